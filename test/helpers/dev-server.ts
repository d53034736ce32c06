/**
 * `keyhold serve --dev` (or a plain `keyhold serve` configured through `env`) as a child process of the built CLI, on port-0 listeners, for tests that need a real server
 * process (end-to-end, SIGKILL). The build must have run (`npm test` builds first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

export const CLI = resolve(import.meta.dirname, "../../dist/src/cli/index.js");

export interface DevServer {
  readonly proc: ChildProcess;
  readonly grpc: string;
  readonly https: string;
  readonly metrics: string;
  /** Everything the server printed on stdout up to the moment it was considered started. */
  readonly banner: string;
}

export interface DevServerOptions {
  /** The data dir; without it the server uses ./.keyhold under `cwd`, as a newcomer's does. */
  readonly dataDir?: string;
  readonly cwd?: string;
  /** When the server counts as started; by default at its `listening ...` line. */
  readonly until?: (stdout: string) => boolean;
  /** More environment (KEYHOLD_* settings of this node), over the clean one. */
  readonly env?: Readonly<Record<string, string>>;
  /** Development mode (the default); without it the configuration comes from `env` alone. */
  readonly dev?: boolean;
  /** More `serve` flags, e.g. `["--processes", "2"]`. */
  readonly serveArgs?: readonly string[];
}

/** The test runner's environment without KEYHOLD_* settings, which would steer the CLI away from the test's server. */
export function cleanEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => !entry[0].startsWith("KEYHOLD_") && entry[1] !== undefined),
  );
}

/** Node's arguments for `keyhold serve` on port-0 listeners, as `options` ask (a test that expects the start to fail spawns them itself). */
export function serveArguments(options: Pick<DevServerOptions, "dataDir" | "dev" | "serveArgs"> = {}): string[] {
  const dataDir = options.dataDir === undefined ? [] : ["--data-dir", options.dataDir];
  return [
    CLI,
    ...dataDir,
    "serve",
    ...(options.dev === false ? [] : ["--dev"]),
    "--grpc-listen",
    "127.0.0.1:0",
    "--https-listen",
    "127.0.0.1:0",
    "--metrics-listen",
    "127.0.0.1:0",
    ...(options.serveArgs ?? []),
  ];
}

export function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const proc = spawn(process.execPath, serveArguments(options), {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...cleanEnvironment(), KEYHOLD_LOG_LEVEL: "warn", ...options.env },
  });
  return new Promise((resolveStarted, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}${err}`)), 60_000);
    proc.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    proc.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^listening grpc=(\S+) https=(\S+) metrics=(\S+)/.exec(out);
      if (match && (options.until?.(out) ?? true)) {
        clearTimeout(timer);
        resolveStarted({ proc, grpc: match[1]!, https: match[2]!, metrics: match[3]!, banner: out });
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${out}${err}`));
    });
  });
}

/** SIGKILL, then waits until the process is gone so its data dir can be reopened. */
export async function killHard(server: Pick<DevServer, "proc">): Promise<void> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return;
  const exited = new Promise((r) => server.proc.once("exit", r));
  server.proc.kill("SIGKILL");
  await exited;
}
