/**
 * `keyhold load`: the load generator (SPEC section 10), over gRPC or the Key
 * Vault REST door. Parses and checks the options here; the run itself lives
 * in src/load/.
 */
import { fork } from "node:child_process";
import { Option, type Command } from "commander";
import { executeLoad } from "../load/execute.js";
import { LoadError } from "../load/load-error.js";
import { DEFAULT_STREAM_WINDOW, loadPlanFromOptions, type RawLoadOptions } from "../load/options.js";
import { LOAD_OPERATIONS } from "../load/operations.js";
import { LOAD_PROTOCOLS } from "../load/connection.js";
import { runWorkerChild } from "../load/worker-child.js";
import { KeyholdError } from "../errors.js";
import {
  caFileOrDefault,
  dataDirOf,
  DEFAULT_ENDPOINT,
  endpointOrDefault,
  fromRunningServer,
  readCaFile,
  withConnectionOptions,
} from "./client-options.js";
import { DEFAULT_LISTEN } from "../config/defaults.js";

interface LoadCommandOptions extends Omit<RawLoadOptions, "endpoint"> {
  endpoint?: string;
  hsmName?: string;
  token?: string;
  ca?: string;
  insecure?: boolean;
  metricsEndpoint?: string;
  json?: string;
  html?: string;
  internalLoadWorker?: boolean;
}

/** The hidden flag a `--workers` child runs with; its plan arrives over IPC. */
const INTERNAL_WORKER_FLAG = "--internal-load-worker";

export function registerLoadCommand(program: Command): void {
  withConnectionOptions(program.command("load"))
    .description(
      "generate gRPC or Key Vault REST load against a running keyhold server and report ops/s, latency percentiles, errors and server CPU per operation",
    )
    .addOption(
      new Option(
        "--protocol <protocol>",
        `grpc (CryptoService) or rest (the Key Vault REST API on the HTTPS listener; --endpoint is then [https://]HOST:PORT of that listener, ${fromRunningServer(DEFAULT_LISTEN.https)})`,
      )
        .choices(LOAD_PROTOCOLS)
        .default("grpc"),
    )
    .addOption(new Option("--op <op>", "operation").choices(LOAD_OPERATIONS))
    .option("--alg <alg>", "algorithm (PS256, ES256, RSA-OAEP-256, A256GCM, A256KW, ...)")
    .option("--key <name>", "key name")
    .option("--key-version <version>", "key version (default: the latest)")
    .option(
      "--stream",
      `pipeline over bidirectional Stream calls: --concurrency streams, each keeping --window requests in flight (matched by id)`,
    )
    .option(
      "--window <n>",
      "with --stream: requests in flight per stream (in-flight total = concurrency x window)",
      String(DEFAULT_STREAM_WINDOW),
    )
    .option("--concurrency <n>", "unary: calls in flight; --stream: number of streams", "16")
    .option(
      "--batch <n>",
      "send batches of n items (1 to 1000) per call through the ...Batch methods (with --stream: batch messages); ops/s, --count, --rate and server CPU count items, latency is per call",
    )
    .option(
      "--rate <ops-per-s>",
      "open loop at this total arrival rate of operations (items with --batch); latency is measured from each call's intended send time (as wrk2)",
    )
    .option("--workers <n>", "client processes sharing the concurrency, rate and count (one grpc-js process saturates a core)", "1")
    .option("--duration <time>", "run for this long: 30s, 500ms, 2m")
    .option("--count <n>", "run this many operations (items with --batch; the last call may be shorter)")
    .option("--json <file>", "also write the result as JSON")
    .option("--html <file>", "also write a self-contained HTML report with a latency plot")
    .option(
      "--metrics-endpoint <url>",
      `the server's Prometheus metrics, read before and after for server CPU (${fromRunningServer(DEFAULT_METRICS_URL)})`,
    )
    .addOption(new Option(INTERNAL_WORKER_FLAG).hideHelp())
    .action(async (options: LoadCommandOptions) => {
      if (options.internalLoadWorker === true) return runWorkerChild();
      try {
        await runLoadCommand(program, options);
      } catch (error) {
        if (!(error instanceof KeyholdError || error instanceof LoadError)) throw error;
        process.stderr.write(`keyhold load: ${error.message}\n`);
        process.exitCode = 2;
      }
    });
}

const DEFAULT_METRICS_URL = `http://${DEFAULT_LISTEN.metrics}/metrics`;

async function runLoadCommand(program: Command, given: LoadCommandOptions): Promise<void> {
  const dataDir = dataDirOf(program);
  const rest = given.protocol === "rest";
  const options = {
    ...given,
    endpoint: rest
      ? endpointOrDefault(given.endpoint, dataDir, (live) => live.https, DEFAULT_LISTEN.https)
      : endpointOrDefault(given.endpoint, dataDir, (live) => live.grpc, DEFAULT_ENDPOINT),
    metricsEndpoint: endpointOrDefault(given.metricsEndpoint, dataDir, (live) => `http://${live.metrics}/metrics`, DEFAULT_METRICS_URL),
  };
  const { plan, workers, protocol } = loadPlanFromOptions(options);
  const insecure = options.insecure === true;
  const connection = {
    protocol,
    endpoint: options.endpoint,
    insecure,
    caPem: insecure ? undefined : readCaFile(caFileOrDefault(options.ca, dataDir)).toString("utf8"),
    token: options.token,
    hsmName: options.hsmName,
  };
  const stop = interruptSignal();
  await executeLoad({
    plan,
    workers,
    connection,
    metricsUrl: options.metricsEndpoint,
    jsonFile: options.json,
    htmlFile: options.html,
    launchWorker: () => forkWorker(),
    stop,
    write: (text) => process.stdout.write(text),
  });
}

/** A fork of this same CLI running only the worker loop. */
function forkWorker(): ReturnType<typeof fork> {
  const cli = process.argv[1];
  if (cli === undefined) throw new Error("--workers: cannot tell which script to fork");
  return fork(cli, ["load", INTERNAL_WORKER_FLAG], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

/** First Ctrl-C: stop issuing, finish what is in flight and print the result. Second: leave at once. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.on("SIGINT", () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("\nstopping: finishing the requests in flight (Ctrl-C again to quit now)\n");
    controller.abort();
  });
  return controller.signal;
}
