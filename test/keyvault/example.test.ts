/**
 * The README's Azure SDK example (examples/azure-sdk/sign.mjs) run as a user runs it, against `keyhold serve --dev`:
 * a token from `keyhold token`, the dev CA through NODE_EXTRA_CA_CERTS, the only HSM reached on localhost. The
 * banner tells the vault URL and the /etc/hosts line.
 */
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cleanEnvironment, CLI, killHard, startDevServer, type DevServer } from "../helpers/dev-server.js";

const run = promisify(execFile);
const EXAMPLE = resolve(import.meta.dirname, "../../examples/azure-sdk/sign.mjs");

let server: DevServer;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "keyhold-sdk-example-"));
  server = await startDevServer({ dataDir, until: (out) => out.includes("Key Vault REST") });
});
afterAll(async () => server && killHard(server));

it("the banner names the vault URL and the hosts line, and the example signs and verifies through the SDK", async () => {
  const port = server.https.split(":").pop();
  expect(server.banner).toContain(`https://dev.managedhsm.keyhold.local:${port}`);
  expect(server.banner).toContain("127.0.0.1 dev.managedhsm.keyhold.local");
  const env = cleanEnvironment();
  const token = (await run(process.execPath, [CLI, "--data-dir", dataDir, "token", "--principal", "admin"], { env })).stdout.trim();
  const { stdout } = await run(process.execPath, [EXAMPLE], {
    env: {
      ...env,
      KEYHOLD_TOKEN: token,
      KEYHOLD_VAULT_URL: `https://localhost:${port}`,
      NODE_EXTRA_CA_CERTS: join(dataDir, "tls", "ca.pem"),
    },
  });
  expect(stdout).toMatch(new RegExp(`^created https://localhost:${port}/keys/sdk-example/[0-9a-f]{32} \\(EC-HSM P-256\\)$`, "m"));
  expect(stdout).toContain("keyhold says valid=true");
  expect(stdout).toContain("node:crypto says valid=true");
});
