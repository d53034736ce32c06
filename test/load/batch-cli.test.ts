/**
 * The batch methods from the shell, against a real `keyhold serve --dev` process: `keyhold load --batch N` (unary
 * and Stream) counts items and makes ceil(count / N) batch calls; `key sign --digest-file` signs each line, and
 * node:crypto verifies every signature independently.
 */
import { createHash, createPublicKey, verify } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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

const keyhold = (register: Parameters<typeof runCli>[0], ...args: string[]) =>
  runCli(register, dataDir, [...args, "--hsm-name", "dev", "--token", token]);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "keyhold-batch-cli-"));
  server = await startDevServer({ dataDir });
  token = (await runCli([registerTokenCommand], dataDir, ["token", "--principal", "admin"])).stdout.trim();
  const created = await keyhold([registerKeyCommands], "key", "create", "--name", "signer", "--kty", "EC", "--curve", "P-256");
  expect(created.exitCode).toBe(0);
});

afterAll(async () => {
  if (server !== undefined) await killHard(server);
  await rm(dataDir, { recursive: true, force: true });
});

/** Successful calls of `method` ("SignBatch", or "Stream#signBatch" for batch messages on Stream), from the server's metrics. */
async function serverCalls(method: string): Promise<number> {
  const exposition = await (await fetch(`http://${server.metrics}/metrics`)).text();
  const sample = `keyhold_rpc_calls_total{method="/keyhold.v1.CryptoService/${method}",code="OK"} `;
  const line = exposition.split("\n").find((text) => text.startsWith(sample));
  return line === undefined ? 0 : Number(line.slice(sample.length));
}

describe("keyhold load --batch", () => {
  it.each([
    ["unary", "SignBatch", []],
    ["stream", "Stream#signBatch", ["--stream", "--window", "2"]],
  ])("%s: counts items, makes one call per batch (the last one short) and reports per-call latency", async (mode, method, extra) => {
    const jsonFile = join(dataDir, `load-${mode}.json`);
    const callsBefore = await serverCalls(method);
    const result = await keyhold(
      [registerLoadCommand],
      "load",
      ...["--op", "sign", "--alg", "ES256", "--key", "signer", "--batch", "16", "--count", "170", "--concurrency", "2"],
      ...extra,
      "--json",
      jsonFile,
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/170 ok, 0 failed .*\(items, in 11 calls\)/);
    expect(result.stdout).toContain("latency      per call of 16 items: p50");
    const report = JSON.parse(await readFile(jsonFile, "utf8")) as LoadReport;
    expect(report).toMatchObject({ operations: 170, failed: 0, calls: 11, errors: {}, unmatchedResponses: 0 });
    expect(report.settings).toMatchObject({ batch: 16, count: 170, mode });
    expect(report.serverCpu).not.toBe("unavailable");
    // 10 calls of 16 and one of 10: every item went through a batch call.
    expect((await serverCalls(method)) - callsBefore).toBe(11);
  });

  it("refuses a batch size outside 1..1000, naming --batch", async () => {
    for (const size of ["0", "1001"]) {
      const result = await keyhold(
        [registerLoadCommand],
        "load",
        "--op",
        "sign",
        "--alg",
        "ES256",
        "--key",
        "signer",
        "--batch",
        size,
        "--count",
        "1",
      );
      expect(result.stderr).toContain("--batch: must be a whole number from 1 to 1000");
      expect(result.exitCode).toBe(2);
    }
  });
});

describe("keyhold key sign --digest-file", () => {
  it("signs every line in order, reports the bad line in its place, and exits 1", async () => {
    const messages = ["alpha", "beta", "gamma", "delta"].map((word) => Buffer.from(word));
    const digests = messages.map((message) => createHash("sha256").update(message).digest("base64url"));
    const lines = [digests[0], digests[1], "not*base64url", digests[2], digests[3]];
    const digestFile = join(dataDir, "digests.txt");
    await writeFile(digestFile, `${lines.join("\n")}\n`);

    const signed = await keyhold([registerKeyCommands], "key", "sign", "--name", "signer", "--alg", "ES256", "--digest-file", digestFile);
    expect(signed.exitCode).toBe(1);
    expect(signed.stderr).toContain("1 of 5 lines failed");
    const out = signed.stdout.trimEnd().split("\n");
    expect(out).toHaveLength(5);
    expect(out[2]).toBe("error: line 3: is not valid base64url");

    const shown = await keyhold([registerKeyCommands], "key", "get", "--name", "signer", "--output", "json");
    const jwk = (JSON.parse(shown.stdout) as { key: { key: { x: string; y: string } } }).key.key;
    const publicKey = createPublicKey({
      key: {
        kty: "EC",
        crv: "P-256",
        x: Buffer.from(jwk.x, "base64").toString("base64url"),
        y: Buffer.from(jwk.y, "base64").toString("base64url"),
      },
      format: "jwk",
    });
    const signatures = [out[0], out[1], out[3], out[4]].map((line) => Buffer.from(line ?? "", "base64url"));
    signatures.forEach((signature, i) => {
      expect(verify("sha256", messages[i] as Buffer, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
    });
    // Each signature belongs to its own line: swapped, they do not verify.
    expect(verify("sha256", messages[0] as Buffer, { key: publicKey, dsaEncoding: "ieee-p1363" }, signatures[1] as Buffer)).toBe(false);

    // The same lines verify as a batch; a signature from another line is NOT valid, and no error means exit 0.
    const goodDigests = join(dataDir, "good-digests.txt");
    const signatureFile = join(dataDir, "signatures.txt");
    await writeFile(goodDigests, `${digests.join("\n")}\n`);
    await writeFile(signatureFile, `${[out[0], out[1], out[3], out[0]].join("\n")}\n`);
    const verified = await keyhold(
      [registerKeyCommands],
      ...["key", "verify", "--name", "signer", "--alg", "ES256", "--digest-file", goodDigests, "--signature-file", signatureFile],
    );
    expect(verified.stdout.trimEnd().split("\n")).toEqual(["valid", "valid", "valid", "NOT valid"]);
    expect(verified.exitCode).toBe(0);
  });
});
