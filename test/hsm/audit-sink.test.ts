/** The audit sink's journals: each HSM's directory is made private to the node's user. */
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditJournalPath } from "../../src/audit/paths.js";
import { AuditSink, MANAGEMENT_JOURNAL } from "../../src/pipeline/audit-sink.js";
import { nodeSigningKey, withTempDir } from "../audit/helpers.js";

describe("AuditSink", () => {
  it("creates the audit directories of a new HSM journal with mode 0700", async () => {
    await withTempDir(async (dataDir) => {
      const sink = new AuditSink({ dataDir, nodeId: "node-1", signingKey: nodeSigningKey(), journal: { checkpointIntervalMs: 0 } });
      try {
        await sink.journal("contoso-hsm");
        await sink.journal(MANAGEMENT_JOURNAL);
        const hsmDirectory = dirname(auditJournalPath(dataDir, "contoso-hsm", "node-1"));
        const managementDirectory = dirname(auditJournalPath(dataDir, MANAGEMENT_JOURNAL, "node-1"));
        for (const directory of [join(dataDir, "audit"), hsmDirectory, managementDirectory]) {
          expect(((await stat(directory)).mode & 0o777).toString(8)).toBe("700");
        }
      } finally {
        await sink.close();
      }
    });
  });
});
