/**
 * `key sign --digest-file` and `key verify --digest-file --signature-file`: many digests, one base64url per line,
 * through SignBatch and VerifyBatch (at most 1,000 items a call, so a longer file takes several calls). The output
 * has one line per input line, in order: the signature (or valid / NOT valid), or `error: line N: ...` for an item
 * that failed. Any failed line makes the exit code 1.
 */
import { create } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { algorithmFor } from "../crypto/algorithms.js";
import { toBase64Url } from "../crypto/bytes.js";
import { badParameter } from "../errors.js";
import {
  CryptoService,
  SignBatchRequestSchema,
  VerifyBatchItemSchema,
  VerifyBatchRequestSchema,
  type VerifyBatchItem,
} from "../gen/keyhold/v1/crypto_service_pb.js";
import { readInputFile, requireFlag, type ClientSession } from "./client-options.js";
import { base64UrlLines, inBatches, splitLines, type LineValue } from "./key-lines.js";
import type { CryptoFlags, DigestFlags } from "./key-requests.js";

type ReadFile = (flag: string, path: string) => Uint8Array;

/** What every batch result message has. */
interface ItemResult {
  readonly code: number;
  readonly errorCode: string;
  readonly message: string;
}

/** One output line: the item's answer (as text, and as its JSON member), or why it has none. */
type LineAnswer =
  | { readonly line: number; readonly text: string; readonly json: Readonly<Record<string, string | boolean>> }
  | { readonly line: number; readonly error: string };

type BatchCall<Item, Result extends ItemResult> = (items: Item[]) => Promise<{ kid: string; results: Result[] }>;

/** An input line's item, or why it has none. */
type Line<Item> = { readonly line: number; readonly bytes: Item } | { readonly line: number; readonly problem: string };

export interface SignFileFlags extends CryptoFlags, DigestFlags {}
export interface VerifyFileFlags extends SignFileFlags {
  readonly signature?: string;
  readonly signatureFile?: string;
}

/** Signs every line of --digest-file. */
export async function signDigestFile(session: ClientSession, flags: SignFileFlags, readFile: ReadFile = readInputFile): Promise<void> {
  const target = batchTarget(flags, "sign");
  const digestFile = requireFlag("--digest-file", flags.digestFile, { trim: false });
  const digests = readLineFile("--digest-file", digestFile, readFile);
  const call: BatchCall<Uint8Array, ItemResult & { signature: Uint8Array }> = (items) =>
    session.unary(CryptoService.method.signBatch, create(SignBatchRequestSchema, { ...target, digests: items }));
  report(
    session,
    await answerLines(digests, call, (result) => {
      const signature = toBase64Url(result.signature);
      return { text: signature, json: { signature } };
    }),
  );
}

/** Verifies line N of --signature-file over line N of --digest-file. */
export async function verifyDigestFile(session: ClientSession, flags: VerifyFileFlags, readFile: ReadFile = readInputFile): Promise<void> {
  const target = batchTarget(flags, "verify");
  if (flags.signature !== undefined) throw badParameter("--signature", "with --digest-file, give the signatures as --signature-file");
  const digests = readLineFile("--digest-file", requireFlag("--digest-file", flags.digestFile, { trim: false }), readFile);
  const signatureFile = requireFlag("--signature-file", flags.signatureFile, { trim: false });
  const signatures = readLineFile("--signature-file", signatureFile, readFile);
  if (signatures.length !== digests.length) {
    throw badParameter(
      "--signature-file",
      `has ${signatures.length} lines and --digest-file ${digests.length}; give one signature per digest`,
    );
  }
  const items = digests.map((digest, index): Line<VerifyBatchItem> => {
    const signature = signatures[index] as LineValue;
    if (!("bytes" in digest)) return digest;
    if (!("bytes" in signature)) return { line: signature.line, problem: `(signature) ${signature.problem}` };
    return { line: digest.line, bytes: create(VerifyBatchItemSchema, { digest: digest.bytes, signature: signature.bytes }) };
  });
  const call: BatchCall<VerifyBatchItem, ItemResult & { valid: boolean }> = (batch) =>
    session.unary(CryptoService.method.verifyBatch, create(VerifyBatchRequestSchema, { ...target, items: batch }));
  report(
    session,
    await answerLines(items, call, (result) => ({ text: result.valid ? "valid" : "NOT valid", json: { valid: result.valid } })),
  );
}

function batchTarget(flags: SignFileFlags, operation: "sign" | "verify"): { name: string; version: string; algorithm: string } {
  if (flags.digest !== undefined || flags.dataFile !== undefined) {
    throw badParameter("--digest-file", "cannot be combined with --digest or --data-file");
  }
  const name = requireFlag("--name", flags.name, { trim: false });
  return { name, version: flags.version ?? "", algorithm: algorithmFor(flags.alg, operation, "--alg").name };
}

function readLineFile(flag: string, path: string, readFile: ReadFile): LineValue[] {
  return base64UrlLines(splitLines(flag, Buffer.from(readFile(flag, path)).toString("utf8")));
}

/**
 * Sends the readable lines in batches and gives every line its answer or error, in the file's order. A call that
 * fails as a whole (no permission, unknown key) fails the command, as the single form does.
 */
async function answerLines<Item, Result extends ItemResult>(
  lines: readonly Line<Item>[],
  call: BatchCall<Item, Result>,
  answer: (result: Result) => { text: string; json: Record<string, string | boolean> },
): Promise<{ kid: string; answers: LineAnswer[] }> {
  const answers = new Map<number, LineAnswer>();
  let kid = "";
  const sendable: { line: number; bytes: Item }[] = [];
  for (const entry of lines) {
    if ("problem" in entry) answers.set(entry.line, { line: entry.line, error: entry.problem });
    else sendable.push(entry);
  }
  for (const batch of inBatches(sendable)) {
    const response = await call(batch.map((entry) => entry.bytes));
    kid = response.kid;
    batch.forEach((entry, index) => {
      const result = response.results[index];
      if (result === undefined) answers.set(entry.line, { line: entry.line, error: "the server sent no answer for this item" });
      else if (result.code !== 0) answers.set(entry.line, { line: entry.line, error: itemError(result) });
      else answers.set(entry.line, { line: entry.line, ...answer(result) });
    });
  }
  return { kid, answers: lines.map((entry) => answers.get(entry.line) as LineAnswer) };
}

/** `INVALID_ARGUMENT (BadParameter): ...`, as the single form reports a failed call. */
function itemError(result: ItemResult): string {
  const name = status[result.code] ?? String(result.code);
  return `${result.errorCode === "" ? name : `${name} (${result.errorCode})`}: ${result.message}`;
}

function report(session: ClientSession, { kid, answers }: { kid: string; answers: readonly LineAnswer[] }): void {
  const failed = answers.filter((entry) => "error" in entry).length;
  const text =
    session.options.output === "json"
      ? JSON.stringify({ kid, results: answers.map((entry) => ("error" in entry ? entry : { line: entry.line, ...entry.json })) }, null, 2)
      : answers.map((entry) => ("error" in entry ? `error: line ${entry.line}: ${entry.error}` : entry.text)).join("\n");
  process.stdout.write(`${text}\n`);
  if (failed > 0) {
    process.stderr.write(`error: ${failed} of ${answers.length} lines failed\n`);
    process.exitCode = 1;
  }
}
