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

interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** About 100 ms and 64 MiB once per start (RFC 7914 section 2 leaves the choice to the deployment). */
const DEFAULT_SEAL_SCRYPT: ScryptCost = Object.freeze({ N: 2 ** 16, r: 8, p: 1 });

const SEAL_KEY_FILE = "seal.key";
const SEAL_KDF_FILE = "seal.kdf.json";
const SEAL_PASSPHRASE_ENV = "KEYHOLD_SEAL_PASSPHRASE";

const CHECK_AAD = new TextEncoder().encode("keyhold/v1/seal-check");

interface KdfFile {
  readonly salt: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
  /** An empty plaintext sealed under the derived key: opens only with the right passphrase. */
  readonly check: string;
}

export interface NodeSealOptions {
  readonly dataDir: string;
  /** Defaults to the KEYHOLD_SEAL_PASSPHRASE environment variable; without one the key file is used. */
  readonly passphrase?: string | undefined;
  readonly scrypt?: ScryptCost;
}

function sealWith(kind: NodeSeal["kind"], key: Uint8Array): NodeSeal {
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

function readKeyFile(dataDir: string): Uint8Array {
  const path = join(dataDir, SEAL_KEY_FILE);
  try {
    // "wx" fails if another process made the file first; then that file is the one to read.
    writeFileSync(path, randomBytes(AEAD_KEY_BYTES), { flag: "wx", mode: 0o600 });
  } catch (error) {
    if (!isTaken(error)) throw error;
  }
  const key = new Uint8Array(readFileSync(path));
  if (key.length !== AEAD_KEY_BYTES) {
    throw new KeyholdError(
      "Unavailable",
      `${path} is not a keyhold seal key (expected ${AEAD_KEY_BYTES} bytes); restore it from your backup.`,
    );
  }
  return key;
}

function passphraseKey(dataDir: string, passphrase: string, cost: ScryptCost): Uint8Array {
  const path = join(dataDir, SEAL_KDF_FILE);
  let kdf: KdfFile | undefined;
  try {
    kdf = JSON.parse(readFileSync(path, "utf8")) as KdfFile;
  } catch (error) {
    if (!isMissing(error)) throw new KeyholdError("Unavailable", `${path} cannot be read; restore it from your backup.`, { cause: error });
  }
  const derive = (salt: Uint8Array, c: ScryptCost): Uint8Array =>
    new Uint8Array(scryptSync(passphrase, salt, AEAD_KEY_BYTES, { N: c.N, r: c.r, p: c.p, maxmem: 256 * c.N * c.r + 1024 * 1024 }));
  if (kdf === undefined) {
    const salt = randomBytes(16);
    const key = derive(salt, cost);
    const created: KdfFile = {
      salt: salt.toString("base64url"),
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
  const key = derive(Buffer.from(kdf.salt, "base64url"), kdf);
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
  return sealWith("keyFile", readKeyFile(options.dataDir));
}
