/**
 * `keyhold audit verify|tail|query`: operator tools over the journal files of
 * one HSM in the data dir (`<data-dir>/audit/<hsm>/<node>.jsonl`, one per node).
 * The command functions are exported so tests call them without a build.
 */
import { createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { auditDirectory, auditJournalPath } from "../audit/paths.js";
import { byTime, followJournal, queryJournals, tailJournal } from "../audit/query.js";
import type { AuditQuery } from "../audit/query.js";
import type { AuditResultType } from "../audit/event.js";
import type { AuditRecord } from "../audit/record.js";
import { verifyJournal } from "../audit/verify.js";
import { badParameter, KeyholdError } from "../errors.js";

export type LineWriter = (line: string) => void;

export interface AuditJournalSelection {
  readonly dataDir: string;
  readonly hsmName: string;
  /** One node's journal; all nodes' journals of the HSM when omitted. */
  readonly node?: string;
}

export interface AuditVerifyOptions extends AuditJournalSelection {
  /** PEM or JWK file of the node's public key; checkpoints must be signed by it. */
  readonly trustedKeyFile?: string;
  readonly output?: "text" | "json";
}

export interface AuditTailOptions extends AuditJournalSelection {
  readonly count: number;
  readonly follow?: boolean;
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal;
}

export interface AuditQueryOptions extends AuditJournalSelection {
  readonly since?: string;
  readonly principal?: string;
  readonly operation?: string;
  readonly result?: string;
  readonly limit?: number;
  readonly now?: Date;
}

/** Verifies every selected journal; returns the exit code (0 all intact, 1 a problem). */
export async function auditVerify(options: AuditVerifyOptions, write: LineWriter): Promise<number> {
  const trusted = options.trustedKeyFile === undefined ? undefined : await readTrustedKey(options.trustedKeyFile);
  let exitCode = 0;
  for (const path of await journalPaths(options)) {
    const result = await verifyJournal(path, trusted);
    if (!result.ok) exitCode = 1;
    if (options.output === "json") {
      write(JSON.stringify({ path, ...result }));
    } else if (result.problem !== undefined) {
      const { line, seq, kind, message } = result.problem;
      write(`PROBLEM ${path}: line ${line}, record ${seq}: ${kind}: ${message}`);
    } else {
      const keyNote = result.trustedKey
        ? "signed by the trusted node key"
        : "signatures checked against the key each checkpoint names (pass --trusted-key to pin the node key)";
      write(
        `ok ${path}: ${result.records} records, ${result.checkpoints} checkpoints ${keyNote}; ` +
          `${result.recordsAfterLastCheckpoint} records after the last checkpoint`,
      );
    }
  }
  return exitCode;
}

/** Prints the last `count` records as JSON lines, then (with follow) new ones until the signal aborts. */
export async function auditTail(options: AuditTailOptions, write: LineWriter): Promise<number> {
  const paths = await journalPaths(options);
  const tails = await Promise.all(paths.map((path) => tailJournal(path, options.count)));
  const merged = tails.flatMap((tail) => tail.records).sort(byTime);
  for (const record of options.count === 0 ? [] : merged.slice(-options.count)) write(recordLine(record));
  if (options.follow === true) {
    await Promise.all(
      paths.map(async (path, index) => {
        const followOptions = {
          startOffset: tails[index]?.endOffset ?? 0,
          ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        };
        for await (const record of followJournal(path, followOptions)) write(recordLine(record));
      }),
    );
  }
  return 0;
}

/** Prints the matching records of all selected journals as JSON lines, by time. */
export async function auditQuery(options: AuditQueryOptions, write: LineWriter): Promise<number> {
  const query: AuditQuery = {
    ...(options.since === undefined ? {} : { since: parseSince(options.since, options.now ?? new Date()) }),
    ...(options.principal === undefined ? {} : { principal: options.principal }),
    ...(options.operation === undefined ? {} : { operation: options.operation }),
    ...(options.result === undefined ? {} : { result: parseResult(options.result) }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  };
  for (const record of await queryJournals(await journalPaths(options), query)) write(recordLine(record));
  return 0;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("read and verify the audit journals of an HSM");
  const common = (command: Command): Command =>
    command
      .requiredOption("--hsm-name <name>", "the HSM whose journals to read", process.env["KEYHOLD_HSM"])
      .option("--node <id>", "only this node's journal (default: every node's)");
  const dataDir = (): string => String(program.opts()["dataDir"] ?? "./.keyhold");
  const write: LineWriter = (line) => process.stdout.write(`${line}\n`);

  common(audit.command("verify"))
    .description("check the hash chain and checkpoint signatures; report the first changed, missing or reordered record")
    .option("--trusted-key <file>", "the node's public key (PEM or JWK) that checkpoints must be signed with")
    .option("--output <format>", "text or json", "text")
    .action(async (options: { hsmName: string; node?: string; trustedKey?: string; output: string }) => {
      await runCommand(() =>
        auditVerify(
          {
            dataDir: dataDir(),
            hsmName: options.hsmName,
            output: parseOutput(options.output),
            ...optional("node", options.node),
            ...optional("trustedKeyFile", options.trustedKey),
          },
          write,
        ),
      );
    });

  common(audit.command("tail"))
    .description("print the last records as JSON lines; --follow keeps printing new ones")
    .option("-n, --count <n>", "how many records", "10")
    .option("-f, --follow", "keep following the journal")
    .action(async (options: { hsmName: string; node?: string; count: string; follow?: boolean }) => {
      await runCommand(() =>
        auditTail(
          {
            dataDir: dataDir(),
            hsmName: options.hsmName,
            count: parseCount(options.count, "n"),
            follow: options.follow === true,
            ...optional("node", options.node),
          },
          write,
        ),
      );
    });

  common(audit.command("query"))
    .description("print matching records as JSON lines, earliest first")
    .option("--since <time>", "ISO-8601 time or a duration back from now (30m, 12h, 7d)")
    .option("--principal <id>", "object id, user principal name or application id of the caller")
    .option("--operation <name>", "operationName, e.g. KeySign")
    .option("--result <result>", "Success or Failure")
    .option("--limit <n>", "at most this many records")
    .action(
      async (options: {
        hsmName: string;
        node?: string;
        since?: string;
        principal?: string;
        operation?: string;
        result?: string;
        limit?: string;
      }) => {
        await runCommand(() =>
          auditQuery(
            {
              dataDir: dataDir(),
              hsmName: options.hsmName,
              ...optional("node", options.node),
              ...optional("since", options.since),
              ...optional("principal", options.principal),
              ...optional("operation", options.operation),
              ...optional("result", options.result),
              ...(options.limit === undefined ? {} : { limit: parseCount(options.limit, "limit") }),
            },
            write,
          ),
        );
      },
    );
}

async function runCommand(command: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await command();
  } catch (error) {
    if (!(error instanceof KeyholdError)) throw error;
    process.stderr.write(`keyhold audit: ${error.message}\n`);
    process.exitCode = 2;
  }
}

async function journalPaths(selection: AuditJournalSelection): Promise<string[]> {
  const directory = auditDirectory(selection.dataDir, selection.hsmName);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    names = [];
  }
  const wanted =
    selection.node === undefined ? undefined : basename(auditJournalPath(selection.dataDir, selection.hsmName, selection.node));
  const paths = names
    .filter((name) => (wanted === undefined ? name.endsWith(".jsonl") : name === wanted))
    .sort()
    .map((name) => join(directory, name));
  if (paths.length === 0) {
    throw new KeyholdError(
      "NotFound",
      `No audit journal for HSM "${selection.hsmName}"${selection.node === undefined ? "" : ` on node "${selection.node}"`} in ${directory}.`,
    );
  }
  return paths;
}

async function readTrustedKey(file: string): Promise<KeyObject> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw badParameter("trusted-key", `cannot read ${file}`);
  }
  try {
    const trimmed = text.trim();
    if (!trimmed.startsWith("{")) return createPublicKey(trimmed);
    const jwk = JSON.parse(trimmed) as Record<string, string | undefined>;
    // Only the public members: a private JWK given here must not be used as more than that.
    return createPublicKey({ key: { kty: jwk["kty"], crv: jwk["crv"], x: jwk["x"], y: jwk["y"] }, format: "jwk" });
  } catch {
    throw badParameter("trusted-key", "must be a PEM or JWK P-256 public key");
  }
}

const RELATIVE_SINCE = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseSince(text: string, now: Date): Date {
  const relative = RELATIVE_SINCE.exec(text);
  if (relative !== null) return new Date(now.getTime() - Number(relative[1]) * (UNIT_MS[relative[2] ?? "s"] ?? 1000));
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw badParameter("since", "must be an ISO-8601 time or a duration like 30m, 12h, 7d");
  return new Date(time);
}

function parseOutput(text: string): "text" | "json" {
  if (text === "text" || text === "json") return text;
  throw badParameter("output", "must be text or json");
}

function parseResult(text: string): AuditResultType {
  const lower = text.toLowerCase();
  if (lower === "success") return "Success";
  if (lower === "failure") return "Failure";
  throw badParameter("result", "must be Success or Failure");
}

function parseCount(text: string, field: string): number {
  if (!/^\d+$/.test(text)) throw badParameter(field, "must be a whole number, zero or more");
  return Number(text);
}

function recordLine(record: AuditRecord): string {
  return JSON.stringify({ seq: record.seq, ...record.event });
}

function optional<K extends string>(name: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: string };
}
