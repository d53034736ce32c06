/**
 * `keyhold load --protocol rest` against a real `keyhold serve --dev` process: the load goes through the Key Vault
 * REST door of the HTTPS listener (the audit journal shows each sign as `POST /keys/...`, answered 200), every
 * signature comes back, and failures are counted by HTTP status and Key Vault error code.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerKeyCommands } from "../../src/cli/key.js";
import { registerLoadCommand } from "../../src/cli/load.js";
import { registerTokenCommand } from "../../src/cli/token.js";
import type { LoadReport } from "../../src/load/report.js";
import { runCli } from "../helpers/cli.js";
import { killHard, startDevServer, type DevServer } from "../helpers/dev-server.js";

let dataDir: string;
let server: DevServer;
let token: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "keyhold-load-rest-"));
  server = await startDevServer({ dataDir });
  token = (await runCli([registerTokenCommand], dataDir, ["token", "--principal", "admin"])).stdout.trim();
  const created = await runCli([registerKeyCommands], dataDir, [
    ...["key", "create", "--name", "rest-signer", "--kty", "EC", "--curve", "P-256", "--hsm-name", "dev", "--token", token],
  ]);
  expect(created.exitCode).toBe(0);
});

afterAll(async () => {
  if (server !== undefined) await killHard(server);
  await rm(dataDir, { recursive: true, force: true });
});

/** The audit records of successful REST signs with rest-signer, from the HSM's journals (every node's file). */
async function restSignRecords(): Promise<number> {
  const folder = join(dataDir, "audit", "dev");
  let count = 0;
  for (const file of (await readdir(folder)).filter((name) => name.endsWith(".jsonl"))) {
    for (const line of (await readFile(join(folder, file), "utf8")).split("\n")) {
      if (line === "") continue;
      const { event } = JSON.parse(line) as {
        event?: { operationName?: string; resultSignature?: string; properties?: { requestUri?: string } };
      };
      if (
        event?.operationName === "KeySign" &&
        event.resultSignature === "200" &&
        event.properties?.requestUri?.startsWith("POST /keys/rest-signer/")
      )
        count++;
    }
  }
  return count;
}

/** Polls until the journal holds `expected` records: it is written just after each answer, not before. */
async function journalReaches(expected: number): Promise<number> {
  const until = Date.now() + 30_000;
  let seen = await restSignRecords();
  while (seen < expected && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    seen = await restSignRecords();
  }
  return seen;
}

const load = (...args: string[]) =>
  runCli([registerLoadCommand], dataDir, ["load", "--protocol", "rest", "--op", "sign", "--alg", "ES256", "--key", "rest-signer", ...args]);

describe("keyhold load --protocol rest", () => {
  it("signs through the Key Vault REST door and reports ops, latency and server CPU", async () => {
    const jsonFile = join(dataDir, "load-rest.json");
    const result = await load("--count", "50", "--concurrency", "4", "--hsm-name", "dev", "--token", token, "--json", jsonFile);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`-> ${server.https}: Key Vault REST unary, concurrency 4`);
    expect(result.stdout).toMatch(/50 ok, 0 failed/);
    const report = JSON.parse(await readFile(jsonFile, "utf8")) as LoadReport;
    expect(report).toMatchObject({ operations: 50, failed: 0, calls: 50, errors: {} });
    expect(report.settings).toMatchObject({ protocol: "rest", mode: "unary", endpoint: server.https });
    expect(report.serverCpu).not.toBe("unavailable");
    expect(await journalReaches(50)).toBe(50);
  });

  it("counts failures by HTTP status and Key Vault error code", async () => {
    const unauthenticated = await load("--count", "3", "--concurrency", "1", "--token", "not-a-token", "--json", join(dataDir, "401.json"));
    expect(unauthenticated.stdout).toMatch(/0 ok, 3 failed/);
    expect((JSON.parse(await readFile(join(dataDir, "401.json"), "utf8")) as LoadReport).errors).toEqual({ "HTTP 401 (Unauthorized)": 3 });

    const missing = await runCli([registerLoadCommand], dataDir, [
      ...["load", "--protocol", "rest", "--op", "sign", "--alg", "ES256", "--key", "no-such-key", "--count", "2", "--token", token],
    ]);
    expect(missing.stdout).toContain("HTTP 404 (KeyNotFound)");
  });

  it("refuses --stream and --batch, naming the option", async () => {
    const stream = await load("--count", "1", "--stream");
    expect(stream.stderr).toContain("--stream: is gRPC only");
    expect(stream.exitCode).toBe(2);
    const batch = await load("--count", "1", "--batch", "4");
    expect(batch.stderr).toContain("--batch: is gRPC only");
    expect(batch.exitCode).toBe(2);
  });
});
