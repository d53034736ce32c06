/**
 * The AuditEvent of SPEC section 9 and the one builder that makes them.
 *
 * Secrets must never reach a journal (SPEC 9: no key material, plaintext,
 * ciphertext, digests, signatures, tokens, passwords, client secrets). The
 * shape makes that hard to get wrong: every field is a short string (or a
 * number for `durationMs`), `properties` is a closed set of named string
 * fields, and the builder refuses anything else (unknown names, byte arrays,
 * nested objects, bearer-token-shaped strings) instead of serializing it.
 */
import { badParameter } from "../errors.js";

export type AuditResultType = "Success" | "Failure";

interface AuditIdentity {
  readonly oid?: string;
  readonly appid?: string;
  readonly upn?: string;
  readonly tid?: string;
}

/** The closed set of request details a record may carry; each value is a short string. */
export interface AuditProperties {
  readonly requestUri?: string;
  readonly rpc?: string;
  readonly httpMethod?: string;
  readonly hsmName?: string;
  readonly keyName?: string;
  readonly keyVersion?: string;
  readonly keyType?: string;
  readonly algorithm?: string;
  readonly scope?: string;
  readonly dataAction?: string;
  readonly decision?: string;
  readonly decidingAssignment?: string;
  readonly roleDefinitionId?: string;
  readonly roleAssignmentName?: string;
  readonly targetPrincipalId?: string;
  readonly jobId?: string;
  readonly errorCode?: string;
  readonly clientRequestId?: string;
  /** A batch call's number of items (CryptoService.*Batch). */
  readonly itemCount?: string;
  /** How many of a batch call's items failed. */
  readonly failedItems?: string;
  /** A batch call's failed items by error code, e.g. "BadParameter:3" (codes joined by commas). */
  readonly failedCodes?: string;
  /** The audit outbox row that committed with the call's change (src/store/change-records.ts); absent for reads. */
  readonly changeId?: string;
}

/** The operationVersion of every record keyhold writes (Managed HSM logs carry the API version they served). */
export const AUDIT_OPERATION_VERSION = "1.0";

export interface AuditEvent {
  /** ISO-8601 UTC, as `Date.prototype.toISOString` writes it. */
  readonly time: string;
  readonly resourceId: string;
  readonly operationName: string;
  readonly operationVersion: string;
  readonly category: "AuditEvent";
  readonly resultType: AuditResultType;
  /** The gRPC status name or HTTP status code, as a string. */
  readonly resultSignature: string;
  readonly resultDescription: string;
  readonly durationMs: number;
  readonly callerIpAddress: string;
  readonly correlationId: string;
  readonly identity: AuditIdentity;
  readonly properties: AuditProperties;
}

/** What a caller hands the builder: `time` may be a Date, `category` is implied. */
export interface AuditEventInput {
  readonly time: Date | string;
  readonly resourceId: string;
  readonly operationName: string;
  readonly operationVersion: string;
  readonly category?: "AuditEvent";
  readonly resultType: AuditResultType;
  readonly resultSignature: string;
  readonly resultDescription?: string;
  readonly durationMs: number;
  readonly callerIpAddress?: string;
  readonly correlationId?: string;
  readonly identity?: AuditIdentity;
  readonly properties?: AuditProperties;
}

/** Longest stored value of a free-text field; longer values are cut, never refused. */
export const MAX_AUDIT_STRING_LENGTH = 256;
/** Request URIs and resource ids are paths and get more room. */
export const MAX_AUDIT_PATH_LENGTH = 1024;

const PATH_FIELDS: ReadonlySet<string> = new Set(["resourceId", "requestUri", "scope", "decidingAssignment", "roleDefinitionId"]);

const AUDIT_PROPERTY_NAMES: readonly (keyof AuditProperties)[] = Object.freeze([
  "requestUri",
  "rpc",
  "httpMethod",
  "hsmName",
  "keyName",
  "keyVersion",
  "keyType",
  "algorithm",
  "scope",
  "dataAction",
  "decision",
  "decidingAssignment",
  "roleDefinitionId",
  "roleAssignmentName",
  "targetPrincipalId",
  "jobId",
  "errorCode",
  "clientRequestId",
  "itemCount",
  "failedItems",
  "failedCodes",
  "changeId",
]);
const IDENTITY_NAMES: readonly (keyof AuditIdentity)[] = Object.freeze(["oid", "appid", "upn", "tid"]);
const EVENT_NAMES: ReadonlySet<string> = new Set([
  "time",
  "resourceId",
  "operationName",
  "operationVersion",
  "category",
  "resultType",
  "resultSignature",
  "resultDescription",
  "durationMs",
  "callerIpAddress",
  "correlationId",
  "identity",
  "properties",
]);
const PROPERTY_NAME_SET: ReadonlySet<string> = new Set(AUDIT_PROPERTY_NAMES);
const SORTED_PROPERTY_NAMES: readonly (keyof AuditProperties)[] = Object.freeze([...AUDIT_PROPERTY_NAMES].sort());
const SORTED_IDENTITY_NAMES: readonly (keyof AuditIdentity)[] = Object.freeze([...IDENTITY_NAMES].sort());
const IDENTITY_NAME_SET: ReadonlySet<string> = new Set(IDENTITY_NAMES);

// A JWS/JWT compact serialization (RFC 7515 section 7.1) starts with a base64url
// JSON header, i.e. "eyJ". Such a string in any field is a leaked bearer token.
const BEARER_TOKEN_SHAPE = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./;

/**
 * Validates and normalizes one event. Throws BadParameter naming the field for
 * unknown names and non-string values; cuts overlong strings.
 */
export function buildAuditEvent(input: AuditEventInput): AuditEvent {
  if (!isPlainObject(input)) throw badParameter("event", "must be an object");
  for (const name of Object.keys(input)) {
    if (!EVENT_NAMES.has(name)) throw badParameter(`event.${name}`, "is not a field of an AuditEvent");
  }
  if (input.category !== undefined && input.category !== "AuditEvent") {
    throw badParameter("event.category", 'must be "AuditEvent"');
  }
  if (input.resultType !== "Success" && input.resultType !== "Failure") {
    throw badParameter("event.resultType", 'must be "Success" or "Failure"');
  }
  const durationMs: unknown = input.durationMs;
  if (typeof durationMs !== "number" || !Number.isFinite(durationMs) || durationMs < 0) {
    throw badParameter("event.durationMs", "must be a finite number of milliseconds, zero or more");
  }
  // Members in canonical (sorted) order, so hashing the event is one JSON.stringify (canonical.ts);
  // the order is also fixed, which keeps the stored lines stable.
  return {
    callerIpAddress: optionalString(input.callerIpAddress, "callerIpAddress") ?? "",
    category: "AuditEvent",
    correlationId: optionalString(input.correlationId, "correlationId") ?? "",
    // Microsecond resolution is plenty and keeps the canonical encoding short.
    durationMs: Math.round(durationMs * 1000) / 1000,
    identity: closedStringRecord(input.identity, SORTED_IDENTITY_NAMES, IDENTITY_NAME_SET, "identity"),
    operationName: requiredString(input.operationName, "operationName"),
    operationVersion: requiredString(input.operationVersion, "operationVersion"),
    properties: closedStringRecord(input.properties, SORTED_PROPERTY_NAMES, PROPERTY_NAME_SET, "properties"),
    resourceId: requiredString(input.resourceId, "resourceId"),
    resultDescription: optionalString(input.resultDescription, "resultDescription") ?? "",
    resultSignature: requiredString(input.resultSignature, "resultSignature"),
    resultType: input.resultType,
    time: normalizeTime(input.time),
  };
}

function normalizeTime(value: unknown): string {
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw badParameter("event.time", "must be a Date or an ISO-8601 date-time");
  }
  return date.toISOString();
}

function requiredString(value: unknown, name: string): string {
  const text = optionalString(value, name);
  if (text === undefined || text.length === 0) throw badParameter(`event.${name}`, "is required");
  return text;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw badParameter(`event.${name}`, "must be a string (bytes, objects and numbers are refused)");
  }
  if (BEARER_TOKEN_SHAPE.test(value)) {
    throw badParameter(`event.${name}`, "looks like a bearer token; tokens are never recorded");
  }
  const leaf = name.slice(name.lastIndexOf(".") + 1);
  return truncate(value, PATH_FIELDS.has(leaf) ? MAX_AUDIT_PATH_LENGTH : MAX_AUDIT_STRING_LENGTH);
}

function closedStringRecord<K extends string>(
  value: unknown,
  order: readonly K[],
  allowed: ReadonlySet<string>,
  name: string,
): { readonly [P in K]?: string } {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw badParameter(`event.${name}`, "must be an object of strings");
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw badParameter(`event.${name}.${key}`, `is not a known ${name} field`);
  }
  const result: { [P in K]?: string } = {};
  for (const key of order) {
    const text = optionalString(value[key], `${name}.${key}`);
    if (text !== undefined) result[key] = text;
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  // Do not split a UTF-16 surrogate pair: the half would be replaced by U+FFFD on encoding.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}
