/**
 * The journal serializes each event once (`eventRecordLine`); its hash and line must be exactly those the record's
 * general encoders give, or `keyhold audit verify` would refuse the journal.
 */
import { describe, expect, it } from "vitest";
import { buildAuditEvent } from "../../src/audit/event.js";
import { encodeRecordLine, eventRecordLine, GENESIS_HASH, parseRecordLine, recordHash } from "../../src/audit/record.js";

const event = buildAuditEvent({
  time: new Date(1_700_000_000_123),
  resourceId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/managedHSMs/dev",
  operationName: "KeySign",
  operationVersion: "1.0",
  resultType: "Success",
  resultSignature: "OK",
  durationMs: 1.25,
  callerIpAddress: "127.0.0.1",
  correlationId: "c-1",
  identity: { oid: "0b1c", tid: "7e1d", upn: "admin@dev" },
  properties: { keyName: 'quote"and\\back\u2028slash', algorithm: "ES256", rpc: "/keyhold.v1.CryptoService/Sign", scope: "/keys/k" },
});

describe("eventRecordLine", () => {
  it.each([
    [1, GENESIS_HASH],
    [42, "ab".repeat(32)],
  ])("gives record %i the hash and the line of the general encoders", (seq, prevHash) => {
    const { record, line } = eventRecordLine(seq, prevHash, event);
    expect(record.hash).toBe(recordHash(record));
    expect(line).toBe(encodeRecordLine(record));
    expect(parseRecordLine(line.trimEnd())).toEqual(record);
  });
});
