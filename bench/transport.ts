/**
 * The floor under every data-plane figure: what one gRPC call costs grpc-js
 * itself, with TLS on loopback and a handler that does nothing, client and
 * server in this one process (so the CPU per call is both sides' share). On
 * a machine that also runs the load client, 1 / (this + the crypto + the
 * pipeline) bounds what `keyhold load` can see. Figures, not tests.
 */
import { constants, createSign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { credentials, Metadata, Server, ServerCredentials, makeGenericClientConstructor, type ServiceDefinition } from "@grpc/grpc-js";
import { ensureDevTls } from "../src/tls/index.js";
import { RSA_FIXTURES } from "../test/helpers/keys.js";
import { nodePrivateKey } from "../test/helpers/node-keys.js";
import { BENCH_TIME_MS, inFlightRate } from "./harness.js";

const DURATION_MS = BENCH_TIME_MS * 4;
const IN_FLIGHT = 64;
/** About what a keyhold Sign request carries: a bearer token in the metadata and a 32-byte digest. */
const TOKEN = `Bearer ${"x".repeat(700)}`;
const REQUEST = Buffer.alloc(60, 1);

const raw = (bytes: Buffer): Buffer => bytes;
const NOOP: ServiceDefinition = {
  call: {
    path: "/keyhold.bench.Noop/Call",
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
};

export async function runTransportBench(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "keyhold-bench-tls-"));
  const server = new Server({ "grpc.enable_channelz": 0 });
  try {
    const tls = ensureDevTls({ dataDir });
    server.addService(NOOP, {
      call: (_call: unknown, callback: (error: null, response: Buffer) => void) => callback(null, Buffer.alloc(72)),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        "127.0.0.1:0",
        ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }]),
        (error, bound) => (error ? reject(error) : resolve(bound)),
      ),
    );
    const Client = makeGenericClientConstructor(NOOP, "Noop");
    const client = new Client(`127.0.0.1:${port}`, credentials.createSsl(Buffer.from(tls.caPem)), {
      "grpc.enable_retries": 0,
      "grpc.enable_channelz": 0,
    });
    const metadata = new Metadata();
    metadata.set("authorization", TOKEN);
    const call = (): Promise<void> =>
      new Promise((resolve, reject) => {
        (client as unknown as Record<string, (...args: unknown[]) => void>)["call"]!(
          REQUEST,
          metadata.clone(),
          { deadline: Date.now() + 10_000 },
          (error: Error | null) => (error ? reject(error) : resolve()),
        );
      });
    await inFlightRate(call, IN_FLIGHT, 300);
    const unary = await inFlightRate(call, IN_FLIGHT, DURATION_MS);
    client.close();

    const privateKey = nodePrivateKey(RSA_FIXTURES[2048]);
    const sign = async (): Promise<void> => {
      createSign("sha256").update(REQUEST).sign({ key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    };
    const bare = await inFlightRate(sign, IN_FLIGHT, DURATION_MS / 2);

    console.log(`\ngrpc-js unary call over TLS, no-op handler, ${IN_FLIGHT} in flight, client and server in one process`);
    console.log(
      `  ${unary.perSecond.toFixed(0).padStart(8)} calls/s   ${unary.cpuMicrosPerCall.toFixed(0).padStart(5)} µs CPU per call (both sides)`,
    );
    console.log(`  bare node:crypto PS256 sign (RSA-2048): ${bare.cpuMicrosPerCall.toFixed(0)} µs CPU per sign`);
    console.log(
      `  so one PS256 sign over gRPC costs this machine at least ${(unary.cpuMicrosPerCall + bare.cpuMicrosPerCall).toFixed(0)} µs CPU before keyhold does anything`,
    );
  } finally {
    server.forceShutdown();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runTransportBench();
