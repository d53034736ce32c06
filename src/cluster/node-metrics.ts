/**
 * The metrics of several nodes on one machine, as the primary serves them on the one metrics port: `/metrics` is the
 * machine's sum (counters and histograms added, `process_cpu_seconds_total` the CPU of every node and of the primary,
 * so `keyhold load` reads the server's whole CPU), `/metrics/nodes` each node's own series labelled `node="<id>"`.
 * Aggregation is prom-client's (AggregatorRegistry.aggregate: each metric's own aggregator, e.g. the average for
 * event-loop lag).
 */
import { AggregatorRegistry, type Registry } from "prom-client";

/** One registry's metrics as `registry.getMetricsAsJSON()` gives them (and as they cross the IPC channel). */
export type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

export interface NodeMetrics {
  readonly nodeId: string;
  readonly metrics: MetricsJson;
}

/** Every node's metrics added up, per label set. */
export function summedMetrics(nodes: readonly NodeMetrics[]): Promise<string> {
  return AggregatorRegistry.aggregate(nodes.map((node) => node.metrics)).metrics();
}

/** Every node's metrics side by side, each series labelled with its node id. */
export function perNodeMetrics(nodes: readonly NodeMetrics[]): Promise<string> {
  const labelled = nodes.map((node) =>
    node.metrics.map((metric) => ({
      ...metric,
      // A metric that keeps only one value over several registries (`omit`, `first`) is kept per node here.
      aggregator: metric.aggregator === "omit" || metric.aggregator === "first" ? "sum" : metric.aggregator,
      values: metric.values.map((value) => ({ ...value, labels: { ...value.labels, node: node.nodeId } })),
    })),
  );
  return AggregatorRegistry.aggregate(labelled).metrics();
}
