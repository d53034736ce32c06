/**
 * One of the nodes of `keyhold serve --processes N` (src/cluster/primary.ts forks this file with node:cluster, so
 * its gRPC and HTTPS listeners share the primary's ports). It waits for its configuration and node id from the
 * primary, starts the node without a metrics listener of its own (it answers the primary's metrics requests instead),
 * and drains on SIGTERM, on SIGINT, or when the primary is gone.
 */
import pino from "pino";
import type { KeyholdConfig } from "../config/index.js";
import { devBanner } from "../server/dev.js";
import { bootstrapDevMode } from "../server/dev-bootstrap.js";
import { startNode, type RunningNode } from "../server/node.js";
import { isMessage, type AwaitingStart, type MetricsReply, type NodeReady, type NodeStartFailed, type StartNode } from "./messages.js";

/** What a stop signal does: exit while nothing runs yet; once the node runs, drain it first. */
let stop: (reason: string) => void = () => process.exit(0);
process.on("SIGTERM", () => stop("SIGTERM"));
// Ctrl-C in a terminal reaches every process of the group, the nodes as well as the primary.
process.on("SIGINT", () => stop("SIGINT"));
process.on("disconnect", () => stop("the primary is gone"));

function send(message: AwaitingStart | NodeReady | NodeStartFailed | MetricsReply): void {
  // The channel is gone when the primary is: the node is stopping then ("disconnect" above).
  if (process.connected) process.send?.(message);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function start(message: StartNode): Promise<void> {
  const logger = pino({ level: process.env["KEYHOLD_LOG_LEVEL"] ?? "info" }, pino.destination(2)).child({ node: message.nodeId });
  const config: KeyholdConfig = { ...message.config, audit: { ...message.config.audit, nodeId: message.nodeId } };
  let node: RunningNode;
  try {
    node = await startNode(config, { logger, metricsListener: { servedBy: message.metricsAddress } });
  } catch (error) {
    logger.error({ err: error }, "node did not start");
    send({ type: "keyhold:start-failed", message: reasonOf(error) });
    process.exit(1);
  }
  let banner: string | undefined;
  if (message.dev) {
    try {
      banner = devBanner(node, await bootstrapDevMode(node));
    } catch (error) {
      logger.error({ err: error }, "development mode set-up failed");
      send({ type: "keyhold:start-failed", message: `development mode set-up failed: ${reasonOf(error)}` });
      await node.stop();
      process.exit(1);
    }
  }
  process.on("message", (request: unknown) => {
    if (!isMessage(request, "keyhold:metrics-request")) return;
    node.metrics.getMetricsAsJSON().then(
      (metrics) => send({ type: "keyhold:metrics", id: request.id, metrics }),
      (error: unknown) => logger.warn({ err: error }, "metrics could not be collected"),
    );
  });
  let stopping = false;
  stop = (reason) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, "draining and shutting down");
    node.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  send({ type: "keyhold:ready", issuerUrl: node.issuer.settings.baseUrl, ...(banner === undefined ? {} : { banner }) });
}

process.once("message", (message: unknown) => {
  if (!isMessage(message, "keyhold:start")) {
    process.stderr.write("keyhold node: expected a start message from the primary\n");
    process.exit(1);
  }
  void start(message);
});
send({ type: "keyhold:awaiting-start" });
