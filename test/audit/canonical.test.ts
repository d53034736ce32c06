import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, type CanonicalValue } from "../../src/audit/canonical.js";
import { buildAuditEvent } from "../../src/audit/event.js";

/** RFC 8785 for JSON values, written independently: members sorted by UTF-16 code units, JSON.stringify for leaves. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, member]) => `${JSON.stringify(name)}:${reference(member)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The same members inserted in reverse order, recursively. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reversed(v)]),
    );
  return value;
}

/** The same members inserted in sorted order, recursively (what the fast path takes). */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sorted(v)]),
    );
  }
  return value;
}

describe("canonicalJson", () => {
  it("is RFC 8785 whatever order the members were inserted in (fast path and general encoder agree)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const expected = reference(value);
        expect(canonicalJson(value as CanonicalValue)).toBe(expected);
        expect(canonicalJson(reversed(value) as CanonicalValue)).toBe(expected);
        expect(canonicalJson(sorted(value) as CanonicalValue)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("sorts integer-like member names as strings, drops undefined members and refuses non-finite numbers", () => {
    expect(canonicalJson({ "10": 1, "9": 2, a: undefined, b: [1, "x", null, true] } as CanonicalValue)).toBe(
      '{"10":1,"9":2,"b":[1,"x",null,true]}',
    );
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(RangeError);
  });

  it("audit events are built in canonical order, so hashing them takes the fast path", () => {
    const event = buildAuditEvent({
      time: new Date(0),
      resourceId: "/hsm",
      operationName: "KeySign",
      operationVersion: "1.0",
      resultType: "Success",
      resultSignature: "OK",
      durationMs: 1.5,
      identity: { upn: "a@b", oid: "o", tid: "t" },
      properties: { rpc: "/x", keyName: "k", algorithm: "ES256" },
    });
    expect(JSON.stringify(event)).toBe(reference(event));
  });
});
