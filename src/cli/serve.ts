/**
 * `keyhold serve`: loads and validates the configuration (file, KEYHOLD_*
 * variables, flags), starts the node and prints one line
 * `listening grpc=... https=... metrics=...` once it accepts calls.
 * SIGTERM and SIGINT drain in-flight calls, flush the journals and close the store. While it runs,
 * `<data-dir>/endpoints.json` says where it listens, for the CLI on the same data dir. With `--processes N` (N > 1)
 * this process is the primary of N nodes sharing the ports (src/cluster/primary.ts).
 */
import type { Command } from "commander";
import pino from "pino";
import { loadConfig, type KeyholdConfig } from "../config/index.js";
import { devBanner } from "../server/dev.js";
import { bootstrapDevMode, type DevSetup } from "../server/dev-bootstrap.js";
import { startNode, type RunningNode } from "../server/node.js";
import { removeEndpointsFile, writeEndpointsFile } from "../endpoints-file.js";

interface ServeOptions {
  config?: string;
  dev?: boolean;
  grpcListen?: string;
  httpsListen?: string;
  metricsListen?: string;
  insecureLoopback?: boolean;
  processes?: string;
}

function overrides(dataDir: string | undefined, options: ServeOptions): Record<string, unknown> {
  return {
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(options.grpcListen === undefined ? {} : { grpc: { listen: options.grpcListen } }),
    ...(options.httpsListen === undefined ? {} : { https: { listen: options.httpsListen } }),
    ...(options.metricsListen === undefined ? {} : { metrics: { listen: options.metricsListen } }),
    ...(options.insecureLoopback === true ? { insecureLoopback: true } : {}),
    // A number as the file gives one; other text (`auto`, or a mistake the validator names) as it is.
    ...(options.processes === undefined
      ? {}
      : { processes: /^\d+$/.test(options.processes) ? Number(options.processes) : options.processes }),
  };
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the keyhold server (gRPC data plane, HTTPS identity and management, metrics)")
    .option("--config <file>", "configuration file (YAML or JSON)")
    .option(
      "--dev",
      "development mode: local CA, tenant 'dev', user 'admin', subscription and resource group 'dev', and an activated managed HSM 'dev'",
    )
    .option("--grpc-listen <host:port>", "gRPC data plane listener (port 0 picks a free port)")
    .option("--https-listen <host:port>", "HTTPS listener for identity and management")
    .option("--metrics-listen <host:port>", "Prometheus metrics listener (plain HTTP)")
    .option("--processes <n|auto>", "nodes on this machine sharing the listening ports (auto: one per core); default 1")
    .option("--insecure-loopback", "plaintext listeners, for tests only; refused unless every listener is loopback")
    .action(async (options: ServeOptions, command: Command) => {
      const dataDirSet = command.parent?.getOptionValueSource("dataDir") !== "default";
      const dataDir = dataDirSet ? program.opts<{ dataDir: string }>().dataDir : undefined;
      let config: KeyholdConfig;
      try {
        config = loadConfig({
          ...(options.config ? { file: options.config } : {}),
          env: process.env,
          overrides: overrides(dataDir, options),
        });
      } catch (error) {
        // A bad configuration is the operator's to fix: say what, never a stack trace.
        process.stderr.write(`keyhold serve: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
        return;
      }
      if (config.processes > 1) {
        const { runPrimary } = await import("../cluster/primary.js");
        const logger = pino({ level: process.env["KEYHOLD_LOG_LEVEL"] ?? "info" }, pino.destination(2)).child({ role: "primary" });
        await runPrimary({ config, dev: options.dev === true, logger, write: (text) => process.stdout.write(text) });
        return;
      }
      let node: RunningNode;
      try {
        node = await startNode(config);
      } catch (error) {
        // A node that cannot start (a seal that does not open the store, an unreachable database, a port in use)
        // says why in one line; nothing was served and nothing sealed was written.
        process.stderr.write(`keyhold serve: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
        return;
      }
      let dev: DevSetup | undefined;
      if (options.dev === true) {
        // Set up before the listening line, so that whoever waits for it finds the dev HSM ready.
        try {
          dev = await bootstrapDevMode(node);
        } catch (error) {
          node.logger.error({ err: error }, "development mode set-up failed");
          process.stderr.write(`keyhold serve --dev: ${error instanceof Error ? error.message : String(error)}\n`);
          await node.stop();
          process.exitCode = 1;
          return;
        }
      }
      // Before the listening line, so that whoever waits for it finds the file: the CLI on this data dir reads it.
      writeEndpointsFile(node.config.dataDir, { ...node.addresses, issuerUrl: node.issuer.settings.baseUrl, pid: process.pid });
      process.stdout.write(`listening grpc=${node.addresses.grpc} https=${node.addresses.https} metrics=${node.addresses.metrics}\n`);
      if (dev !== undefined) process.stdout.write(devBanner(node, dev) + "\n");
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        node.logger.info({ signal }, "draining and shutting down");
        node.stop().then(
          () => {
            removeEndpointsFile(node.config.dataDir);
            process.exit(0);
          },
          () => process.exit(1),
        );
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    });
}
