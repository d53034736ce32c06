/** Checks a raw configuration tree against the schema, fills static defaults, and collects every problem with its path. */
import { isRecord } from "../is-record.js";
import { LISTEN_ADDRESS_PROBLEM, tryParseListenAddress } from "./listen-address.js";
import type { ObjectNode, SchemaNode } from "./schema-node.js";

export interface ConfigIssue {
  /** e.g. `hsms[0].softDeleteRetentionInDays`. */
  readonly path: string;
  readonly problem: string;
}

export function childPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** What `node` holds when the option is absent: its default, a defaulted object, an empty list, or undefined. */
function absentValue(node: SchemaNode, path: string, issues: ConfigIssue[]): unknown {
  if (node.kind === "object") return node.optional === true ? undefined : validateObject(node, {}, path, issues);
  if (node.kind === "array") return node.minItems === undefined ? [] : undefined;
  if (node.kind === "listen") return node.default === undefined ? undefined : tryParseListenAddress(node.default);
  return node.default;
}

function validateObject(node: ObjectNode, value: Record<string, unknown>, path: string, issues: ConfigIssue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const reason = node.forbidden?.[key];
    if (reason !== undefined) issues.push({ path: childPath(path, key), problem: reason });
    else if (!Object.hasOwn(node.fields, key)) {
      issues.push({ path: childPath(path, key), problem: `unknown option; expected one of ${Object.keys(node.fields).join(", ")}` });
    }
  }
  for (const [key, field] of Object.entries(node.fields)) {
    const item = value[key];
    const fieldPath = childPath(path, key);
    // YAML `key:` with no value (null) means "not given", as leaving the key out does.
    const absent = item === undefined || item === null;
    if (absent && node.required?.includes(key) === true) issues.push({ path: fieldPath, problem: "is required" });
    const result = absent ? absentValue(field, fieldPath, issues) : validateNode(field, item, fieldPath, issues);
    if (result !== undefined) out[key] = result;
  }
  return out;
}

function validateNode(node: SchemaNode, value: unknown, path: string, issues: ConfigIssue[]): unknown {
  const fail = (problem: string): undefined => void issues.push({ path, problem });
  switch (node.kind) {
    case "string": {
      if (typeof value !== "string" || value.length === 0) return fail("must be a non-empty string");
      const problem = node.check?.(value);
      return problem === undefined ? value : fail(problem);
    }
    case "integer":
      if (node.orAuto === true && value === "auto") return value;
      return typeof value === "number" && Number.isSafeInteger(value) && value >= node.min && value <= node.max
        ? value
        : fail(`must be an integer from ${node.min} to ${node.max}${node.orAuto === true ? " or auto" : ""}`);
    case "boolean":
      return typeof value === "boolean" ? value : fail("must be true or false");
    case "enum":
      return typeof value === "string" && node.values.includes(value) ? value : fail(`must be one of ${node.values.join(", ")}`);
    case "listen":
      return (typeof value === "string" ? tryParseListenAddress(value) : undefined) ?? fail(LISTEN_ADDRESS_PROBLEM);
    case "object":
      return isRecord(value) ? validateObject(node, value, path, issues) : fail("must be a mapping of options");
    case "array": {
      if (!Array.isArray(value)) return fail("must be a list");
      if (value.length < (node.minItems ?? 0) || value.length > node.maxItems) {
        return fail(`must hold ${node.minItems ?? 0} to ${node.maxItems} items`);
      }
      return value.map((item: unknown, index) => validateNode(node.item, item, `${path}[${index}]`, issues));
    }
  }
}

/** Validates the whole tree; problems are appended to `issues`. */
export function validateTree(schema: ObjectNode, value: Record<string, unknown>, issues: ConfigIssue[]): Record<string, unknown> {
  return validateObject(schema, value, "", issues);
}
