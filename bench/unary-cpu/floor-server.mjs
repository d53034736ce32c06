// The floor under a keyhold unary sign, measured the way `keyhold load` measures keyhold: a grpc-js server over TLS
// that answers CryptoService.Sign (and SignBatch) with protobuf-es, and signs in a piscina pool with node:crypto,
// dispatching once per event-loop turn as keyhold's pool does, but with no token check, no RBAC, no key lookup,
// no audit and no metrics besides the process CPU. What keyhold adds is keyhold's figure minus this one.
//
//   node bench/unary-cpu/floor-server.mjs DATA_DIR   (prints the ports as JSON on stdout; needs `npm run build`)
import { availableParallelism, cpus } from "node:os";
import { createServer } from "node:http";
import { generateKeyPairSync } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { Piscina } from "piscina";
import { collectDefaultMetrics, register } from "prom-client";
import { CryptoService, SignBatchResponseSchema, SignResponseSchema } from "../../dist/src/gen/keyhold/v1/crypto_service_pb.js";
import { ensureDevTls } from "../../dist/src/tls/index.js";
import { serviceDefinition } from "../../dist/src/transport/grpc/service-definition.js";

const dataDir = process.argv[2];
const threads = availableParallelism();
const pem = (type) =>
  generateKeyPairSync(type, type === "ec" ? { namedCurve: "P-256" } : { modulusLength: 2048 }).privateKey.export({
    format: "pem",
    type: "pkcs8",
  });
const pool = new Piscina({
  filename: new URL("./floor-worker.mjs", import.meta.url).href,
  minThreads: threads,
  maxThreads: threads,
  concurrentTasksPerWorker: 1,
  atomics: "async",
  idleTimeout: Number.POSITIVE_INFINITY,
  workerData: { ec: pem("ec"), rsa: pem("rsa") },
});

let queue = [];
let scheduled = false;
function enqueue(task) {
  return new Promise((resolve, reject) => {
    queue.push({ task, resolve, reject });
    if (scheduled) return;
    scheduled = true;
    setImmediate(dispatch);
  });
}
function dispatch() {
  scheduled = false;
  const waiting = queue;
  queue = [];
  const share = Math.ceil(waiting.length / threads);
  for (let at = 0; at < waiting.length; at += share) {
    const part = waiting.slice(at, at + share);
    pool.run(part.map((entry) => entry.task)).then(
      (signatures) => part.forEach((entry, i) => entry.resolve(signatures[i])),
      (error) => part.forEach((entry) => entry.reject(error)),
    );
  }
}

const kid = "https://dev.managedhsm.keyhold.local/keys/floor/00000000000000000000000000000000";
const server = new Server({ "grpc.enable_channelz": 0 });
const tls = ensureDevTls({ dataDir });
const definition = serviceDefinition(CryptoService, "server");
server.addService(
  { sign: definition.sign, signBatch: definition.signBatch },
  {
    sign: (call, callback) => {
      const { algorithm, digest } = call.request;
      enqueue({ algorithm, digest }).then(
        (signature) => callback(null, create(SignResponseSchema, { kid, signature })),
        (error) => callback(error),
      );
    },
    signBatch: (call, callback) => {
      const { algorithm, digests } = call.request;
      Promise.all(digests.map((digest) => enqueue({ algorithm, digest }))).then(
        (signatures) => callback(null, create(SignBatchResponseSchema, { kid, results: signatures.map((signature) => ({ signature })) })),
        (error) => callback(error),
      );
    },
  },
);
const grpcPort = await new Promise((resolve, reject) =>
  server.bindAsync(
    "127.0.0.1:0",
    ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }]),
    (error, port) => (error ? reject(error) : resolve(port)),
  ),
);
collectDefaultMetrics();
const metrics = createServer(async (_request, response) => {
  response.setHeader("content-type", register.contentType);
  response.end(await register.metrics());
});
await new Promise((resolve) => metrics.listen(0, "127.0.0.1", resolve));
await pool.run([]);
console.log(
  JSON.stringify({ grpc: `127.0.0.1:${grpcPort}`, metrics: `127.0.0.1:${metrics.address().port}`, threads, cpus: cpus().length }),
);
process.on("SIGINT", () => {
  server.forceShutdown();
  metrics.close();
  pool.destroy().then(() => process.exit(0));
});
