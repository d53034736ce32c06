/**
 * The node seal: what protects each HSM's domain secret on this node's disk.
 * Its key comes from `<dataDir>/seal.key` (32 random bytes, mode 0600, made
 * on first start), or, when a passphrase is given (KEYHOLD_SEAL_PASSPHRASE),
 * from scrypt (RFC 7914) over the passphrase with a salt kept in
 * `<dataDir>/seal.kdf.json`, together with a check value so that a wrong
 * passphrase is refused at start instead of failing on the first key.
 */
import { randomBytes, scryptSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KeyholdError } from "../../errors.js";
import { AEAD_KEY_BYTES, aeadOpen, aeadSeal } from "./aead.js";

export interface NodeSeal {
  /** Which kind of seal key this node uses (never the key itself). */
  readonly kind: "keyFile" | "passphrase";
  seal(plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Undefined when the blob was not sealed by this seal with this AAD. */
  open(sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined;
}

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** About 100 ms and 64 MiB once per start (RFC 7914 section 2 leaves the choice to the deployment). */
export const DEFAULT_SEAL_SCRYPT: ScryptCost = Object.freeze({ N: 2 ** 16, r: 8, p: 1 });

const SEAL_KEY_FILE = "seal.key";
export const SEAL_KDF_FILE = "seal.kdf.json";
export const SEAL_PASSPHRASE_ENV = "KEYHOLD_SEAL_PASSPHRASE";

export const CHECK_AAD = new TextEncoder().encode("keyhold/v1/seal-check");

export interface KdfFile {
  readonly salt: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
  /** An empty plaintext sealed under the derived key: opens only with the right passphrase. */
  readonly check: string;
}

export interface NodeSealOptions {
  readonly dataDir: string;
  /** The seal key file (config `seal.keyFile`); default `<dataDir>/seal.key`. */
  readonly keyFile?: string;
  /** Defaults to the KEYHOLD_SEAL_PASSPHRASE environment variable; without one the key file is used. */
  readonly passphrase?: string | undefined;
  readonly scrypt?: ScryptCost;
}

export function sealWith(kind: NodeSeal["kind"], key: Uint8Array): NodeSeal {
  return Object.freeze({
    kind,
    seal: (plaintext: Uint8Array, aad: Uint8Array) => aeadSeal(key, plaintext, aad),
    open: (sealed: Uint8Array, aad: Uint8Array) => aeadOpen(key, sealed, aad),
  });
}

function isMissing(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ENOENT";
}

function isTaken(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "EEXIST";
}

function defaultKeyFile(dataDir: string): string {
  return join(dataDir, SEAL_KEY_FILE);
}

/** Makes the key file unless it exists: "wx" fails if another process made it first; then that file is the one to read. */
export function createKeyFile(path: string): void {
  try {
    writeFileSync(path, randomBytes(AEAD_KEY_BYTES), { flag: "wx", mode: 0o600 });
  } catch (error) {
    if (!isTaken(error)) throw error;
  }
}

export function readKeyFile(path: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new KeyholdError(
      "Unavailable",
      `The seal key file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "unreadable"}).`,
    );
  }
  if (key.length !== AEAD_KEY_BYTES) {
    throw new KeyholdError(
      "Unavailable",
      `${path} is not a keyhold seal key (expected ${AEAD_KEY_BYTES} bytes); restore it from your backup.`,
    );
  }
  return key;
}

/** The seal key derived from `passphrase` with scrypt (RFC 7914) at the salt and cost of `kdf`. */
export function derivePassphraseKey(passphrase: string, kdf: Pick<KdfFile, "salt" | "N" | "r" | "p">): Uint8Array {
  return new Uint8Array(
    scryptSync(passphrase, Buffer.from(kdf.salt, "base64url"), AEAD_KEY_BYTES, {
      N: kdf.N,
      r: kdf.r,
      p: kdf.p,
      maxmem: 256 * kdf.N * kdf.r + 1024 * 1024,
    }),
  );
}

function createOwnKeyFile(dataDir: string): Uint8Array {
  const path = defaultKeyFile(dataDir);
  createKeyFile(path);
  return readKeyFile(path);
}

function passphraseKey(dataDir: string, passphrase: string, cost: ScryptCost): Uint8Array {
  const path = join(dataDir, SEAL_KDF_FILE);
  let kdf: KdfFile | undefined;
  try {
    kdf = JSON.parse(readFileSync(path, "utf8")) as KdfFile;
  } catch (error) {
    if (!isMissing(error)) throw new KeyholdError("Unavailable", `${path} cannot be read; restore it from your backup.`, { cause: error });
  }
  if (kdf === undefined) {
    const salt = randomBytes(16).toString("base64url");
    const key = derivePassphraseKey(passphrase, { salt, ...cost });
    const created: KdfFile = {
      salt,
      ...cost,
      check: Buffer.from(aeadSeal(key, new Uint8Array(0), CHECK_AAD)).toString("base64url"),
    };
    try {
      writeFileSync(path, JSON.stringify(created), { flag: "wx", mode: 0o600 });
      return key;
    } catch (error) {
      if (!isTaken(error)) throw error;
      return passphraseKey(dataDir, passphrase, cost);
    }
  }
  const key = derivePassphraseKey(passphrase, kdf);
  if (aeadOpen(key, Buffer.from(kdf.check, "base64url"), CHECK_AAD) === undefined) {
    throw new KeyholdError("Unavailable", `The seal passphrase (${SEAL_PASSPHRASE_ENV}) does not open this data directory.`);
  }
  return key;
}

/** Opens this node's seal, creating its key file or passphrase salt on first start. */
export function openNodeSeal(options: NodeSealOptions): NodeSeal {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const passphrase = "passphrase" in options ? options.passphrase : process.env[SEAL_PASSPHRASE_ENV];
  if (passphrase !== undefined && passphrase !== "") {
    return sealWith("passphrase", passphraseKey(options.dataDir, passphrase, options.scrypt ?? DEFAULT_SEAL_SCRYPT));
  }
  if (options.keyFile === undefined) return sealWith("keyFile", createOwnKeyFile(options.dataDir));
  createKeyFile(options.keyFile);
  return sealWith("keyFile", readKeyFile(options.keyFile));
}
