/**
 * Where each cryptographic operation runs: the one place that decides.
 *
 * Private-key RSA and EC work goes to the worker pool: an RSA-2048 PS256
 * sign costs about 500 µs and would stall every other call on the event
 * loop. Symmetric work stays on the main thread, where it costs about what
 * the pool's round trip does. Measured on this 2-core machine (crypto core
 * from dist/src/crypto, native providers, 3000 runs each, mean per call):
 *
 *   pool round trip (ping, 1 in flight, `node dist/bench/index.js pool`) 26 µs
 *   HS256 sign 11 µs · A256KW wrap 21 µs · A256GCM encrypt 4 KiB 29 µs
 *   RSA-2048 OAEP-256 encrypt 45 µs · RSA-2048 PS256 verify 70 µs
 *   ECDSA P-256 verify 550 µs (the crypto core does the ECDSA equations in bigint)
 *
 * So RSA and EC verification run in the pool too (ECDSA verify above all:
 * 550 µs would stall the event loop; the worker also keeps the parsed key,
 * so the point is validated once per worker, not per call). RSA encrypt and
 * wrap (45 µs) stay here, next to the 26 µs round trip they would cost.
 */
import type { KeyOperation, KeyType } from "../../crypto/index.js";

export type PoolOperation = "sign" | "verify" | "decrypt" | "unwrapKey";

/** The worker-pool operation for this work, or undefined when it runs on the main thread. */
export function poolOperation(family: KeyType, operation: KeyOperation): PoolOperation | undefined {
  if (family === "oct") return undefined;
  if (operation === "sign" || operation === "verify" || operation === "decrypt" || operation === "unwrapKey") return operation;
  return undefined;
}
