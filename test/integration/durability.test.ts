/**
 * Acknowledged means durable: a server process creating keys is killed with
 * SIGKILL at random moments; after each restart every key whose creation was
 * acknowledged is there and signs.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { credentials, Metadata, type Client } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { clientConstructor } from "../../src/transport/grpc/service-definition.js";
import { CLI, startDevServer, type DevServer } from "../helpers/dev-server.js";

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

type Started = DevServer;

async function serve(dataDir: string): Promise<Started> {
  const started = await startDevServer({ dataDir });
  child = started.proc;
  return started;
}

function call(client: Client, method: string, schema: DescMessage, request: object, metadata: Metadata): Promise<Record<string, unknown>> {
  return new Promise((resolveCall, reject) => {
    (client as unknown as Record<string, (...a: unknown[]) => void>)[method]!.call(client, create(schema, request as never), metadata, { deadline: Date.now() + 10_000 }, (error: Error | null, response: Record<string, unknown>) =>
      error ? reject(error) : resolveCall(response),
    );
  });
}

async function clients(dataDir: string, started: Started): Promise<{ keys: Client; crypto: Client; metadata: Metadata }> {
  const token = execFileSync(process.execPath, [CLI, "--data-dir", dataDir, "token", "--principal", "admin"], { env: { ...process.env, KEYHOLD_ISSUER_URL: `https://${started.https}` } }).toString().trim();
  const ca = credentials.createSsl(await readFile(join(dataDir, "tls", "ca.pem")));
  const options = { "grpc.ssl_target_name_override": "localhost" };
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  metadata.set("x-hsm-name", "dev");
  return { keys: new (clientConstructor(KeyService))(started.grpc, ca, options), crypto: new (clientConstructor(CryptoService))(started.grpc, ca, options), metadata };
}

describe("durability", () => {
  it("keeps every acknowledged key across SIGKILL", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-kill-"));
    const acknowledged: string[] = [];
    for (let round = 0; round < 3; round++) {
      const started = await serve(dataDir);
      const { keys, metadata } = await clients(dataDir, started);
      const killAt = Date.now() + 300 + Math.floor(Math.random() * 900);
      const killer = setTimeout(() => started.proc.kill("SIGKILL"), killAt - Date.now());
      for (let i = 0; Date.now() < killAt + 500; i++) {
        const name = `k${round}-${i}`;
        try {
          await call(keys, "createKey", KeyService.method.createKey.input, { name, kty: "EC", crv: "P-256" }, metadata);
          acknowledged.push(name);
        } catch {
          break; // the process is gone: this creation was never acknowledged
        }
      }
      clearTimeout(killer);
      started.proc.kill("SIGKILL");
      await new Promise((r) => started.proc.once("exit", r).unref?.() ?? setTimeout(r, 200));
      keys.close();
    }
    expect(acknowledged.length).toBeGreaterThan(0);

    const started = await serve(dataDir);
    const { keys, crypto, metadata } = await clients(dataDir, started);
    const digest = new Uint8Array(createHash("sha256").update("durable").digest());
    for (const name of acknowledged) {
      const bundle = await call(keys, "getKey", KeyService.method.getKey.input, { name }, metadata);
      expect((bundle["key"] as { kid: string }).kid).toContain(`/keys/${name}/`);
      const signed = await call(crypto, "sign", CryptoService.method.sign.input, { name, algorithm: "ES256", digest }, metadata);
      expect((signed["signature"] as Uint8Array).length).toBe(64);
    }
    keys.close();
    crypto.close();
  });
});
