import { describe, expect, it } from "vitest";
import { buildAuditEvent, MAX_AUDIT_PATH_LENGTH, MAX_AUDIT_STRING_LENGTH } from "../../src/audit/event.js";
import type { AuditEventInput } from "../../src/audit/event.js";
import { KeyholdError } from "../../src/errors.js";
import { sampleEvent } from "./helpers.js";

function refusal(input: unknown): KeyholdError {
  try {
    buildAuditEvent(input as AuditEventInput);
  } catch (error) {
    if (error instanceof KeyholdError) return error;
    throw error;
  }
  throw new Error("the event was accepted");
}

describe("buildAuditEvent", () => {
  it("normalizes a valid event to the SPEC section 9 shape", () => {
    const event = buildAuditEvent(sampleEvent(3, { time: "2026-01-01T01:00:00+01:00", durationMs: 2.0004567 }));
    expect(event).toMatchObject({
      time: "2026-01-01T00:00:00.000Z",
      category: "AuditEvent",
      operationName: "KeySign",
      resultType: "Success",
      resultSignature: "OK",
      durationMs: 2.0,
      identity: { oid: "11111111-1111-1111-1111-111111111111", tid: "22222222-2222-2222-2222-222222222222" },
      properties: { keyName: "key-3", algorithm: "ES256", rpc: "/keyhold.v1.CryptoService/Sign", decision: "Allowed" },
    });
  });

  it("refuses unknown names, with the field named", () => {
    expect(refusal({ ...sampleEvent(0), properties: { digest: "abc" } })).toMatchObject({
      code: "BadParameter",
      field: "event.properties.digest",
    });
    expect(refusal({ ...sampleEvent(0), identity: { password: "hunter2" } })).toMatchObject({ field: "event.identity.password" });
    expect(refusal({ ...sampleEvent(0), plaintext: "x" })).toMatchObject({ field: "event.plaintext" });
  });

  it("refuses bytes, nested objects and numbers where strings belong", () => {
    expect(refusal({ ...sampleEvent(0), properties: { keyName: new Uint8Array([1, 2, 3]) } })).toMatchObject({
      field: "event.properties.keyName",
    });
    expect(refusal({ ...sampleEvent(0), properties: { scope: { d: "secret" } } })).toMatchObject({ field: "event.properties.scope" });
    expect(refusal({ ...sampleEvent(0), resultDescription: 42 })).toMatchObject({ field: "event.resultDescription" });
    expect(refusal({ ...sampleEvent(0), properties: new Map([["keyName", "k"]]) })).toMatchObject({ field: "event.properties" });
  });

  it("refuses a bearer token in any string field", () => {
    const token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz";
    expect(refusal({ ...sampleEvent(0), properties: { requestUri: `/keys/k?access_token=${token}` } })).toMatchObject({
      field: "event.properties.requestUri",
    });
    expect(refusal({ ...sampleEvent(0), resultDescription: `Bearer ${token}` }).message).not.toContain(token);
  });

  it("truncates overlong strings instead of storing them", () => {
    const event = buildAuditEvent(
      sampleEvent(0, { resultDescription: "x".repeat(5000), properties: { keyName: "k".repeat(5000), requestUri: "/".repeat(5000) } }),
    );
    expect(event.resultDescription).toHaveLength(MAX_AUDIT_STRING_LENGTH);
    expect(event.properties.keyName).toHaveLength(MAX_AUDIT_STRING_LENGTH);
    expect(event.properties.requestUri).toHaveLength(MAX_AUDIT_PATH_LENGTH);
  });

  it("refuses bad required values", () => {
    expect(refusal({ ...sampleEvent(0), time: "yesterday" })).toMatchObject({ field: "event.time" });
    expect(refusal({ ...sampleEvent(0), resultType: "Maybe" })).toMatchObject({ field: "event.resultType" });
    expect(refusal({ ...sampleEvent(0), durationMs: -1 })).toMatchObject({ field: "event.durationMs" });
    expect(refusal({ ...sampleEvent(0), operationName: "" })).toMatchObject({ field: "event.operationName" });
    expect(refusal({ ...sampleEvent(0), category: "Other" })).toMatchObject({ field: "event.category" });
  });
});
