/**
 * `KEYHOLD_<PATH>` variables: one per option of the schema, named by its path in
 * upper snake case (`grpc.listen` -> KEYHOLD_GRPC_LISTEN, `workers.threads` ->
 * KEYHOLD_WORKERS_THREADS). Lists (`hsms`, `identity.trustedIssuers`) take
 * JSON; the options inside a list have no variable of their own.
 */
import type { ObjectNode, SchemaNode } from "./schema-node.js";
import { childPath, type ConfigIssue } from "./validate.js";

export interface EnvironmentOption {
  /** Dotted path in the configuration, e.g. `workers.threads`. */
  readonly path: string;
  readonly variable: string;
  readonly node: SchemaNode;
}

const upperSnake = (segment: string): string => segment.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

function environmentVariableOf(path: string): string {
  return `KEYHOLD_${path.split(".").map(upperSnake).join("_")}`;
}

/** Every option reachable from the environment: the leaves and lists of the schema outside lists. */
export function environmentOptions(schema: ObjectNode, path = ""): EnvironmentOption[] {
  const options: EnvironmentOption[] = [];
  for (const [key, node] of Object.entries(schema.fields)) {
    const optionPath = childPath(path, key);
    if (node.kind === "object") options.push(...environmentOptions(node, optionPath));
    else options.push({ path: optionPath, variable: environmentVariableOf(optionPath), node });
  }
  return options;
}

/** The text of a variable as the type its option wants; text that does not convert is passed on for the validator to name. */
function convert(option: EnvironmentOption, text: string, issues: ConfigIssue[]): unknown {
  switch (option.node.kind) {
    case "integer":
      return /^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
    case "boolean": {
      const lower = text.trim().toLowerCase();
      if (lower === "true" || lower === "1") return true;
      if (lower === "false" || lower === "0") return false;
      return text;
    }
    case "array":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        issues.push({ path: option.path, problem: `${option.variable} must hold a JSON list` });
        return undefined;
      }
    default:
      return text;
  }
}

/** Sets `value` at the dotted `path` of `tree`, making the intermediate objects. */
function setPath(tree: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = typeof next === "object" && next !== null ? (next as Record<string, unknown>) : ((node[key] = {}) as Record<string, unknown>);
  }
  node[keys[keys.length - 1] ?? ""] = value;
}

/**
 * The configuration layer the environment gives, and which variable set each path.
 * An empty variable counts as unset.
 */
export function environmentLayer(
  schema: ObjectNode,
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
): { layer: Record<string, unknown>; origins: Map<string, string> } {
  const layer: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const option of environmentOptions(schema)) {
    const text = env[option.variable];
    if (text === undefined || text === "") continue;
    const value = convert(option, text, issues);
    if (value === undefined) continue;
    setPath(layer, option.path, value);
    origins.set(option.path, option.variable);
  }
  return { layer, origins };
}
