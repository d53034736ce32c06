/**
 * `loadConfig`: the file, then `KEYHOLD_*` variables, then command-line flags,
 * each overriding the one before; validated at start with every problem named by
 * its path and where it came from, never replaced by a silent default.
 */
import { availableParallelism, hostname } from "node:os";
import { join, resolve } from "node:path";
import { NODE_ID } from "../audit/paths.js";
import { KeyholdError } from "../errors.js";
import { isRecord } from "../is-record.js";
import { environmentLayer } from "./environment.js";
import { formatListenAddress, isLoopbackHost, type ListenAddress } from "./listen-address.js";
import { readConfigFile } from "./read-file.js";
import { CONFIG_SCHEMA } from "./schema.js";
import type { IdentityConfig, KeyholdConfig } from "./types.js";
import { childPath, validateTree, type ConfigIssue } from "./validate.js";

export interface LoadConfigOptions {
  /** YAML or JSON file (`--config`). */
  readonly file?: string;
  /** Usually process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** From command-line flags, in the file's shape (e.g. `{ grpc: { listen: "127.0.0.1:0" } }`); they win over both. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

/** Start-up refusal listing every problem; `issues` lets a caller print them one per line. */
export class ConfigError extends KeyholdError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], source: string) {
    const lines = issues.map((issue) => `  ${issue.path}: ${issue.problem}`);
    super("BadParameter", `Invalid configuration (${source}):\n${lines.join("\n")}`, { field: issues[0]?.path });
    this.issues = issues;
  }
}

const COMMAND_LINE = "command line";

/** Deep-merges `layer` into `base` (objects merge, lists and values replace) and records where each value came from. */
function mergeLayer(
  base: Record<string, unknown>,
  layer: Readonly<Record<string, unknown>>,
  path: string,
  label: string,
  origins: Map<string, string>,
): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const keyPath = childPath(path, key);
    const existing = base[key];
    if (isRecord(value) && isRecord(existing)) mergeLayer(existing, value, keyPath, label, origins);
    else {
      base[key] = isRecord(value) ? structuredClone(value) : value;
      origins.set(keyPath, label);
    }
  }
}

/** The path as reported: with the variable or flag that set it, when it was not the file. */
function describePath(path: string, origins: ReadonlyMap<string, string>): string {
  for (const [prefix, label] of origins) {
    if (path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)) return `${path} (from ${label})`;
  }
  return path;
}

/** A node id from the host name: the journal needs a file-name-safe id, stable across restarts. */
export function nodeIdFromHostname(name: string = hostname()): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 64);
  return NODE_ID.test(cleaned) ? cleaned : "node";
}

/** The node id of the `index`-th (1-based) of several nodes on one machine: each has its own journal per HSM and outbox rows. */
export function nodeIdOfProcess(baseNodeId: string, index: number): string {
  return `${baseNodeId}-${index}`;
}

function crossFieldIssues(config: KeyholdConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.insecureLoopback) {
    const listeners: Array<[string, ListenAddress]> = [
      ["grpc.listen", config.grpc.listen],
      ["https.listen", config.https.listen],
      ["metrics.listen", config.metrics.listen],
    ];
    for (const [path, address] of listeners) {
      if (!isLoopbackHost(address.host)) {
        issues.push({
          path: "insecureLoopback",
          problem: `is refused because ${path} ${formatListenAddress(address)} is not a loopback address`,
        });
      }
    }
  }
  config.identity.trustedIssuers.forEach((issuer, index) => {
    const path = `identity.trustedIssuers[${index}]`;
    if ((issuer.jwksFile === undefined) === (issuer.jwksUri === undefined)) {
      issues.push({ path: `${path}.jwksFile`, problem: "give exactly one of jwksFile and jwksUri" });
    }
    if (issuer.audiences.data === undefined && issuer.audiences.management === undefined) {
      issues.push({ path: `${path}.audiences`, problem: "must name the audience of at least one plane (data, management)" });
    }
  });
  // Each of several nodes journals as `<nodeId>-<n>`, which must still be a node id.
  if (config.processes > 1 && !NODE_ID.test(nodeIdOfProcess(config.audit.nodeId, config.processes))) {
    issues.push({
      path: "audit.nodeId",
      problem: `is too long for ${config.processes} processes (node ids <nodeId>-<n> have at most 64 characters)`,
    });
  }
  const seen = new Map<string, number>();
  config.hsms.forEach((hsm, index) => {
    const key = hsm.name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) issues.push({ path: `hsms[${index}].name`, problem: `"${hsm.name}" is already the name of hsms[${first}]` });
    else seen.set(key, index);
  });
  return issues;
}

/** What the schema guarantees after validation: KeyholdConfig less the defaults that depend on other options. */
type ValidatedTree = Omit<KeyholdConfig, "processes" | "identity" | "workers" | "audit" | "seal"> & {
  readonly processes: number | "auto";
  readonly identity: Omit<IdentityConfig, "issuerBaseUrl"> & { readonly issuerBaseUrl?: string };
  readonly workers: { readonly threads?: number; readonly maxQueue?: number; readonly cacheBytes: number };
  readonly audit: Omit<KeyholdConfig["audit"], "nodeId"> & { readonly nodeId?: string };
  readonly seal: { readonly keyFile?: string };
};

/** Fills the defaults that depend on other options or on the machine. */
function withDerivedDefaults(tree: ValidatedTree): KeyholdConfig {
  const dataDir = resolve(tree.dataDir);
  const processes = tree.processes === "auto" ? availableParallelism() : tree.processes;
  // Several nodes share the cores: by default their crypto pools together have one thread per core.
  const threads = tree.workers.threads ?? Math.max(1, Math.floor(availableParallelism() / processes));
  // A host name long enough to leave no room for the `-<n>` of several nodes is cut short; a configured id is not.
  const hostNodeId = nodeIdFromHostname().slice(0, processes > 1 ? 63 - String(processes).length : 64);
  return {
    ...tree,
    dataDir,
    processes,
    identity: { ...tree.identity, issuerBaseUrl: tree.identity.issuerBaseUrl ?? `https://${formatListenAddress(tree.https.listen)}` },
    // 256 waiting tasks per worker, as the crypto pool does by default.
    workers: { threads, maxQueue: tree.workers.maxQueue ?? threads * 256, cacheBytes: tree.workers.cacheBytes },
    audit: { ...tree.audit, nodeId: tree.audit.nodeId ?? hostNodeId },
    seal: { keyFile: tree.seal.keyFile ?? join(dataDir, "seal.key") },
  };
}

export function loadConfig(options: LoadConfigOptions = {}): KeyholdConfig {
  const issues: ConfigIssue[] = [];
  const origins = new Map<string, string>();
  const merged: Record<string, unknown> = options.file === undefined ? {} : readConfigFile(options.file);
  const environment = environmentLayer(CONFIG_SCHEMA, options.env ?? {}, issues);
  for (const [path, variable] of environment.origins) origins.set(path, variable);
  // The environment's origins are the variables themselves (recorded above), not the generic label.
  mergeLayer(merged, environment.layer, "", "environment", new Map());
  mergeLayer(merged, options.overrides ?? {}, "", COMMAND_LINE, origins);

  const tree = validateTree(CONFIG_SCHEMA, merged, issues);
  const source = options.file === undefined ? "defaults, environment and flags" : options.file;
  if (issues.length === 0) {
    // The one cast: validateTree has checked every field against CONFIG_SCHEMA, whose shape ValidatedTree mirrors.
    const config = withDerivedDefaults(tree as unknown as ValidatedTree);
    issues.push(...crossFieldIssues(config));
    if (issues.length === 0) return config;
  }
  throw new ConfigError(
    issues.map((issue) => ({ path: describePath(issue.path, origins), problem: issue.problem })),
    source,
  );
}
