import { createPrivateKey, createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEventInput } from "../../src/audit/event.js";
import { openNodeJournalFile } from "../../src/audit/journal-file.js";
import type { JournalFile, JournalFileOpener } from "../../src/audit/journal-file.js";

const fixtures = new URL("../fixtures/keys/", import.meta.url);

export function nodeSigningKey(): KeyObject {
  const jwk = JSON.parse(readFileSync(new URL("ec-p256.json", fixtures), "utf8")) as Record<string, string>;
  return createPrivateKey({ key: jwk, format: "jwk" });
}

export function nodePublicKey(): KeyObject {
  return createPublicKey(nodeSigningKey());
}

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "keyhold-audit-"));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function sampleEvent(index: number, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, index)),
    resourceId: "/subscriptions/dev/resourceGroups/dev/providers/Microsoft.KeyVault/managedHSMs/hsm1",
    operationName: "KeySign",
    operationVersion: "7.5",
    resultType: "Success",
    resultSignature: "OK",
    resultDescription: "",
    durationMs: 1.25,
    callerIpAddress: "127.0.0.1",
    correlationId: `corr-${index}`,
    identity: { oid: "11111111-1111-1111-1111-111111111111", tid: "22222222-2222-2222-2222-222222222222" },
    properties: { rpc: "/keyhold.v1.CryptoService/Sign", keyName: `key-${index}`, algorithm: "ES256", decision: "Allowed" },
    ...overrides,
  };
}

export interface FileSpy {
  readonly opener: JournalFileOpener;
  readonly counts: { writes: number; datasyncs: number };
  /** Makes the next write or datasync fail with this errno code. */
  failNext(operation: "write" | "datasync", code: string): void;
  /** Holds every datasync until the returned function is called. */
  holdSyncs(): () => void;
}

/** Wraps the real file with counters and injectable failures (the errors a disk would give). */
export function spyFile(): FileSpy {
  const counts = { writes: 0, datasyncs: 0 };
  const failures: { write?: string; datasync?: string } = {};
  let gate: Promise<void> | undefined;
  const fail = (code: string): never => {
    throw Object.assign(new Error(`${code}: injected`), { code });
  };
  const opener: JournalFileOpener = async (path) => {
    const file = await openNodeJournalFile(path);
    const wrapped: JournalFile = {
      size: () => file.size(),
      read: (position, length) => file.read(position, length),
      truncate: (length) => file.truncate(length),
      close: () => file.close(),
      write: async (data, position) => {
        counts.writes += 1;
        const code = failures.write;
        failures.write = undefined;
        if (code !== undefined) {
          // A real ENOSPC usually leaves part of the data behind; write half of it first.
          await file.write(data.subarray(0, data.length >> 1), position);
          fail(code);
        }
        await file.write(data, position);
      },
      datasync: async () => {
        counts.datasyncs += 1;
        if (gate !== undefined) await gate;
        const code = failures.datasync;
        failures.datasync = undefined;
        if (code !== undefined) fail(code);
        await file.datasync();
      },
    };
    return wrapped;
  };
  return {
    opener,
    counts,
    failNext: (operation, code) => {
      failures[operation] = code;
    },
    holdSyncs: () => {
      let release: () => void = () => undefined;
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}
