/**
 * `keyhold serve --processes N`: the primary process. It serves no calls itself; it starts N nodes with node:cluster,
 * whose gRPC and HTTPS listeners share one port each (the primary accepts connections and hands them to the nodes in
 * turn, SCHED_RR: measured to spread connections evenly, where a shared accept queue does not), serves the metrics
 * port (the nodes' sum and each node's own, src/cluster/node-metrics.ts), restarts a node that dies (with backoff),
 * and on SIGTERM or SIGINT drains every node and exits.
 *
 * Work that must happen once happens before a second node starts: the first node alone runs the store's migrations,
 * makes the seal, the development TLS material, the audit signing key and, with --dev, development mode's set-up;
 * the others start once it is ready and find all of it made. The primary writes endpoints.json.
 */
import cluster, { type Worker } from "node:cluster";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { formatListenAddress, nodeIdOfProcess, type KeyholdConfig } from "../config/index.js";
import { removeEndpointsFile, writeEndpointsFile } from "../endpoints-file.js";
import { startMetricsServer, type MetricsServer } from "../metrics/metrics-server.js";
import { settleSharedPorts } from "../server/settle-ports.js";
import { isMessage, type MetricsRequest, type NodeReady, type StartNode } from "./messages.js";
import { perNodeMetrics, summedMetrics, type MetricsJson, type NodeMetrics } from "./node-metrics.js";
import { RestartBackoff } from "./restart-backoff.js";
import { serverExecArgv } from "./young-generation.js";

export interface PrimaryOptions {
  readonly config: KeyholdConfig;
  readonly dev: boolean;
  readonly logger: Logger;
  /** stdout: the listening line, the dev banner, one line per node that becomes ready. */
  readonly write: (text: string) => void;
}

/** How long a node may take to answer a metrics request before a scrape goes on without it. */
const METRICS_TIMEOUT_MS = 2_000;
/** How long a draining node may take before it is killed (its gRPC server forces shutdown after 10 s itself). */
const DRAIN_LIMIT_MS = 60_000;

interface NodeSlot {
  readonly nodeId: string;
  readonly backoff: RestartBackoff;
  worker?: Worker;
  startedAt: number;
  ready: boolean;
  restartTimer?: NodeJS.Timeout;
}

/** Resolves when the worker is ready; rejects with the reason when it fails or exits first. */
function whenReady(worker: Worker): Promise<NodeReady> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (isMessage(message, "keyhold:ready")) settle(() => resolve(message));
      else if (isMessage(message, "keyhold:start-failed")) settle(() => reject(new Error(message.message)));
    };
    const onExit = (code: number | null, signal: string | null): void =>
      settle(() => reject(new Error(`the node exited (${signal ?? `code ${code}`}) before it was ready`)));
    const settle = (action: () => void): void => {
      worker.off("message", onMessage);
      worker.off("exit", onExit);
      action();
    };
    worker.on("message", onMessage);
    worker.on("exit", onExit);
  });
}

class Primary {
  readonly #options: PrimaryOptions;
  readonly #config: KeyholdConfig;
  readonly #slots: NodeSlot[];
  readonly #ownMetrics = new Registry();
  readonly #pendingMetrics = new Map<number, (metrics: MetricsJson) => void>();
  #nextRequestId = 0;
  #metricsServer: MetricsServer | undefined;
  #metricsAddress = "";
  #phase: "starting" | "running" | "stopping" = "starting";

  constructor(options: PrimaryOptions, config: KeyholdConfig) {
    this.#options = options;
    this.#config = config;
    this.#slots = Array.from({ length: config.processes }, (_, index) => ({
      nodeId: nodeIdOfProcess(config.audit.nodeId, index + 1),
      backoff: new RestartBackoff(),
      startedAt: 0,
      ready: false,
    }));
    // The primary's own CPU (accepting and handing over connections, metrics) is part of the server's.
    collectDefaultMetrics({ register: this.#ownMetrics });
  }

  get #primaryId(): string {
    return `${this.#config.audit.nodeId}-primary`;
  }

  async start(): Promise<void> {
    this.#metricsServer = await startMetricsServer({
      host: this.#config.metrics.listen.host,
      port: this.#config.metrics.listen.port,
      registry: { contentType: this.#ownMetrics.contentType, metrics: async () => summedMetrics(await this.#gatherMetrics()) },
      extraPages: {
        "/metrics/nodes": { contentType: this.#ownMetrics.contentType, metrics: async () => perNodeMetrics(await this.#gatherMetrics()) },
      },
    });
    this.#metricsAddress = formatListenAddress(this.#metricsServer.address);
    // Round robin by the primary (Node's default on Linux, not on Windows); must be chosen before the first fork.
    // NODE_CLUSTER_SCHED_POLICY=none (Node's own variable) still hands the listening socket to every node instead.
    if (process.env["NODE_CLUSTER_SCHED_POLICY"] === undefined) cluster.schedulingPolicy = cluster.SCHED_RR;
    cluster.setupPrimary({
      exec: fileURLToPath(new URL("./node-main.js", import.meta.url)),
      args: [],
      execArgv: serverExecArgv(process.execArgv, process.env["NODE_OPTIONS"]),
    });
    cluster.on("message", (_worker, message: unknown) => {
      if (isMessage(message, "keyhold:metrics")) this.#pendingMetrics.get(message.id)?.(message.metrics);
    });
    cluster.on("exit", (worker, code, signal) => this.#onExit(worker, code, signal));
    process.on("SIGTERM", () => void this.stop("SIGTERM"));
    process.on("SIGINT", () => void this.stop("SIGINT"));

    const [first, ...others] = this.#slots;
    let firstReady: NodeReady;
    try {
      firstReady = await this.#startNode(first!, this.#options.dev);
      await Promise.all(others.map((slot) => this.#startNode(slot, false)));
    } catch (error) {
      // The operator's to fix (a port in use, a broken store): say what, stop the nodes that did start, exit 1.
      process.stderr.write(`keyhold serve: ${error instanceof Error ? error.message : String(error)}\n`);
      return this.stop("a node did not start", 1);
    }
    this.#phase = "running";
    const addresses = { grpc: formatListenAddress(this.#config.grpc.listen), https: formatListenAddress(this.#config.https.listen) };
    writeEndpointsFile(this.#config.dataDir, {
      ...addresses,
      metrics: this.#metricsAddress,
      issuerUrl: firstReady.issuerUrl,
      pid: process.pid,
    });
    const lines = [`listening grpc=${addresses.grpc} https=${addresses.https} metrics=${this.#metricsAddress}`];
    if (firstReady.banner !== undefined) lines.push(firstReady.banner);
    lines.push(...this.#slots.map((slot) => this.#readyLine(slot)));
    this.#options.write(`${lines.join("\n")}\n`);
  }

  #readyLine(slot: NodeSlot): string {
    return `node ${slot.nodeId} ready pid=${slot.worker?.process.pid ?? "?"}`;
  }

  /** Forks the node of `slot` and resolves once it is ready; rejects with the node id and reason when it is not. */
  async #startNode(slot: NodeSlot, dev: boolean): Promise<NodeReady> {
    const worker = cluster.fork();
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.ready = false;
    const start: StartNode = {
      type: "keyhold:start",
      config: this.#config,
      nodeId: slot.nodeId,
      dev,
      metricsAddress: this.#metricsAddress,
    };
    worker.once("message", function sendStart(message: unknown) {
      if (isMessage(message, "keyhold:awaiting-start")) worker.send(start);
      else worker.once("message", sendStart);
    });
    try {
      const ready = await whenReady(worker);
      slot.ready = true;
      return ready;
    } catch (error) {
      throw new Error(`node ${slot.nodeId} did not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #onExit(worker: Worker, code: number | null, signal: string | null): void {
    const slot = this.#slots.find((candidate) => candidate.worker === worker);
    // While starting, start() reports a node that failed and stops them all; while stopping, stop() waits for exits.
    if (slot === undefined || this.#phase !== "running") return;
    slot.worker = undefined;
    slot.ready = false;
    const delayMs = slot.backoff.nextDelayMs(Date.now() - slot.startedAt);
    this.#options.logger.warn({ node: slot.nodeId, code, signal, restartInMs: delayMs }, "node exited; restarting it");
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.#phase !== "running") return;
      // A node that dies again before it is ready comes back here through its exit, with a longer delay.
      this.#startNode(slot, false).then(
        () => this.#options.write(`${this.#readyLine(slot)}\n`),
        (error: unknown) => this.#options.logger.error({ node: slot.nodeId, err: error }, "node restart failed"),
      );
    }, delayMs);
  }

  /** Each ready node's metrics (a node that does not answer in time is left out of this scrape) and the primary's. */
  async #gatherMetrics(): Promise<NodeMetrics[]> {
    const asked = this.#slots.map((slot) => {
      const worker = slot.worker;
      if (worker === undefined || !slot.ready || !worker.isConnected()) return Promise.resolve(undefined);
      const id = this.#nextRequestId++;
      return new Promise<NodeMetrics | undefined>((resolve) => {
        const timer = setTimeout(() => finish(undefined), METRICS_TIMEOUT_MS);
        const finish = (metrics: MetricsJson | undefined): void => {
          clearTimeout(timer);
          this.#pendingMetrics.delete(id);
          resolve(metrics === undefined ? undefined : { nodeId: slot.nodeId, metrics });
        };
        this.#pendingMetrics.set(id, finish);
        const request: MetricsRequest = { type: "keyhold:metrics-request", id };
        worker.send(request);
      });
    });
    const nodes = (await Promise.all(asked)).filter((node): node is NodeMetrics => node !== undefined);
    return [...nodes, { nodeId: this.#primaryId, metrics: await this.#ownMetrics.getMetricsAsJSON() }];
  }

  /** Drains every node (SIGTERM each; they finish in-flight calls), then exits: 0 when every node stopped cleanly. */
  async stop(reason: string, exitCode = 0): Promise<void> {
    if (this.#phase === "stopping") return;
    this.#phase = "stopping";
    this.#options.logger.info({ reason }, "draining every node and shutting down");
    const exits = this.#slots.map((slot) => {
      if (slot.restartTimer !== undefined) clearTimeout(slot.restartTimer);
      const worker = slot.worker;
      if (worker === undefined || worker.isDead()) return Promise.resolve(0);
      return new Promise<number>((resolve) => {
        const limit = setTimeout(() => worker.process.kill("SIGKILL"), DRAIN_LIMIT_MS);
        worker.once("exit", (code: number | null) => {
          clearTimeout(limit);
          resolve(code ?? 1);
        });
        worker.process.kill("SIGTERM");
      });
    });
    const codes = await Promise.all(exits);
    await this.#metricsServer?.close().catch(() => undefined);
    removeEndpointsFile(this.#config.dataDir);
    process.exit(codes.every((code) => code === 0) ? exitCode : 1);
  }
}

/** Starts the nodes and resolves once every one is ready and the listening line is out; exits 1 when one cannot start. */
export async function runPrimary(options: PrimaryOptions): Promise<void> {
  const config = await settleSharedPorts(options.config);
  await new Primary(options, config).start();
}
