/**
 * The server's Prometheus registry: calls by method and gRPC code, latency per
 * method, worker-pool queue depth and the process metrics (CPU, memory, event
 * loop) that `keyhold load` reads to report server CPU seconds per operation.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * 100 µs to 5 s: a pooled EC sign takes a few hundred µs, an RSA-4096 decrypt
 * under load tens of ms; anything over 5 s is a stall, not a latency.
 */
const RPC_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);

/** What the gRPC layer calls once per finished call (or per Stream item). */
export interface RpcMetrics {
  /** `method` is the RPC's name (`Sign`, `CreateKey`), `code` the gRPC status name (`OK`, `NOT_FOUND`). */
  observe(method: string, code: string, seconds: number): void;
}

export interface ServerMetricsOptions {
  /** Read at scrape time: tasks waiting in the worker pool's queue. */
  poolQueueDepth?: () => number;
  /** Process metrics (process_cpu_seconds_total, ...); on unless false. */
  processMetrics?: boolean;
}

export interface ServerMetrics {
  readonly registry: Registry;
  readonly rpc: RpcMetrics;
}

export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  const calls = new Counter({
    name: "keyhold_rpc_calls_total",
    help: "Finished gRPC calls by method and status code.",
    labelNames: ["method", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "keyhold_rpc_duration_seconds",
    help: "Time from receiving a gRPC call to sending its status, by method.",
    labelNames: ["method"] as const,
    buckets: [...RPC_DURATION_BUCKETS],
    registers: [registry],
  });
  const poolQueueDepth = options.poolQueueDepth;
  new Gauge({
    name: "keyhold_pool_queue_depth",
    help: "Tasks waiting in the crypto worker pool's queue.",
    registers: [registry],
    collect() {
      this.set(poolQueueDepth === undefined ? 0 : poolQueueDepth());
    },
  });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const rpc: RpcMetrics = {
    observe(method, code, seconds) {
      calls.inc({ method, code });
      duration.observe({ method }, seconds);
    },
  };
  return { registry, rpc };
}
