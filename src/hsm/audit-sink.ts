/**
 * Where the pipeline's audit records go: one hash-chained journal per HSM on
 * this node, plus one for calls that address no HSM (directory
 * administration, calls naming an unknown HSM). Journals open lazily.
 */
import type { KeyObject } from "node:crypto";
import { AuditJournal, type AuditEventInput, type AuditJournalOptions } from "../audit/index.js";
import { auditJournalPath, RESERVED_HSM_NAME } from "../audit/paths.js";

/** The journal of calls that address no HSM; an HSM may not take this name. */
export const MANAGEMENT_JOURNAL = RESERVED_HSM_NAME;

export interface AuditSinkOptions {
  readonly dataDir: string;
  readonly nodeId: string;
  readonly signingKey: KeyObject;
  readonly journal?: Partial<Omit<AuditJournalOptions, "path" | "signingKey">>;
}

export class AuditSink {
  readonly #options: AuditSinkOptions;
  readonly #journals = new Map<string, Promise<AuditJournal>>();

  constructor(options: AuditSinkOptions) {
    this.#options = options;
  }

  journal(hsmName: string = MANAGEMENT_JOURNAL): Promise<AuditJournal> {
    let journal = this.#journals.get(hsmName);
    if (journal === undefined) {
      const path = auditJournalPath(this.#options.dataDir, hsmName, this.#options.nodeId);
      journal = AuditJournal.open({ ...this.#options.journal, path, signingKey: this.#options.signingKey });
      // A journal that failed to open is retried on the next call rather than cached as broken.
      journal.catch(() => this.#journals.delete(hsmName));
      this.#journals.set(hsmName, journal);
    }
    return journal;
  }

  /** Resolves when the record is durable; rejects with Unavailable when it cannot be written. */
  async record(hsmName: string | undefined, event: AuditEventInput): Promise<void> {
    await (await this.journal(hsmName)).append(event);
  }

  /** False when the journal is known to be unwritable, so a call can be refused before it acts. */
  async writable(hsmName: string | undefined): Promise<boolean> {
    try {
      return !(await this.journal(hsmName)).failed;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    const journals = await Promise.allSettled(this.#journals.values());
    this.#journals.clear();
    for (const journal of journals) if (journal.status === "fulfilled") await journal.value.close();
  }
}
