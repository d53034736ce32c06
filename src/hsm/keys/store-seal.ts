/**
 * The node seal of a node whose store other nodes share (SPEC sections 8 and 14). Every node of one store must
 * have the same seal: the same key file (config `seal.keyFile`, copied to each machine as the operator copies a
 * Vault unseal key), or the same passphrase (KEYHOLD_SEAL_PASSPHRASE), stretched with scrypt (RFC 7914) at a salt
 * and cost the store keeps, so every machine derives the same key from it.
 *
 * The store also keeps a check value, an empty plaintext sealed under the seal key. A node whose seal does not open
 * it refuses to start, before it reads or writes anything sealed: a wrong key or passphrase can neither serve nor
 * seal a new HSM's domain under a second key. A store made before the check value existed is proven against one of
 * its sealed domain secrets first.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { KeyholdError } from "../../errors.js";
import type { SealRecord, SealRepository } from "../../store/store.js";
import { aeadOpen, aeadSeal } from "./aead.js";
import { openDomainSecret } from "./domain.js";
import {
  CHECK_AAD,
  createKeyFile,
  DEFAULT_SEAL_SCRYPT,
  derivePassphraseKey,
  readKeyFile,
  SEAL_KDF_FILE,
  SEAL_PASSPHRASE_ENV,
  sealWith,
  type KdfFile,
  type NodeSeal,
  type ScryptCost,
} from "./seal.js";

export interface StoreSealOptions {
  readonly seals: SealRepository;
  readonly dataDir: string;
  /** Config `seal.keyFile`. */
  readonly keyFile: string;
  /** Defaults to KEYHOLD_SEAL_PASSPHRASE; without one the key file is used. */
  readonly passphrase?: string | undefined;
  readonly scrypt?: ScryptCost;
}

type Kdf = Pick<KdfFile, "salt" | "N" | "r" | "p">;

const opens = (key: Uint8Array, check: Uint8Array): boolean => aeadOpen(key, check, CHECK_AAD) !== undefined;

/** Opens the seal and proves it against the store, recording the check value (and salt) on the store's first start. */
export async function openStoreSeal(options: StoreSealOptions): Promise<NodeSeal> {
  const passphrase = "passphrase" in options ? options.passphrase : process.env[SEAL_PASSPHRASE_ENV];
  const usePassphrase = passphrase !== undefined && passphrase !== "";
  const recorded = await options.seals.get();
  if (recorded !== undefined) return usePassphrase ? passphraseSeal(recorded, passphrase) : keyFileSeal(recorded, options.keyFile);

  // The store's first start with a seal record: make (or find) the key, prove it, and record it.
  let key: Uint8Array;
  let kdf: Kdf | undefined;
  if (usePassphrase) {
    kdf = legacyKdf(options.dataDir, passphrase) ?? {
      salt: randomBytes(16).toString("base64url"),
      ...(options.scrypt ?? DEFAULT_SEAL_SCRYPT),
    };
    key = derivePassphraseKey(passphrase, kdf);
  } else {
    // Made only for a store that has sealed nothing yet: a store holding sealed secrets needs the key that sealed them.
    if (!existsSync(options.keyFile) && (await options.seals.anySealedDomainSecret()) !== undefined) throw missingKeyFile(options.keyFile);
    createKeyFile(options.keyFile);
    key = readKeyFile(options.keyFile);
  }
  const existing = await options.seals.anySealedDomainSecret();
  if (existing !== undefined && openDomainSecret(sealWith("keyFile", key), existing.hsmId, existing.sealed) === undefined) {
    throw wrongSeal(usePassphrase, options.keyFile);
  }
  const stored = await options.seals.insert({
    kind: usePassphrase ? "passphrase" : "keyFile",
    kdf: kdf === undefined ? undefined : JSON.stringify({ salt: kdf.salt, N: kdf.N, r: kdf.r, p: kdf.p }),
    check: aeadSeal(key, new Uint8Array(0), CHECK_AAD),
    createdAt: Date.now(),
  });
  // Another node may have recorded its own seal first: this one must open that record like any later node.
  return usePassphrase ? passphraseSeal(stored, passphrase) : keyFileSeal(stored, options.keyFile);
}

function passphraseSeal(recorded: SealRecord, passphrase: string): NodeSeal {
  if (recorded.kind !== "passphrase" || recorded.kdf === undefined) {
    throw new KeyholdError(
      "Unavailable",
      `This store is sealed with a seal key file, not a passphrase: unset ${SEAL_PASSPHRASE_ENV} and set seal.keyFile to a copy of the key file the other nodes use.`,
    );
  }
  const key = derivePassphraseKey(passphrase, JSON.parse(recorded.kdf) as Kdf);
  if (!opens(key, recorded.check)) throw wrongSeal(true, "");
  return sealWith("passphrase", key);
}

function keyFileSeal(recorded: SealRecord, keyFile: string): NodeSeal {
  if (recorded.kind !== "keyFile") {
    throw new KeyholdError(
      "Unavailable",
      `This store is sealed with a passphrase: set ${SEAL_PASSPHRASE_ENV} to the passphrase the other nodes use.`,
    );
  }
  if (!existsSync(keyFile)) throw missingKeyFile(keyFile);
  const key = readKeyFile(keyFile);
  if (!opens(key, recorded.check)) throw wrongSeal(false, keyFile);
  return sealWith("keyFile", key);
}

/** The salt and cost of a passphrase seal made before the store kept them (`<dataDir>/seal.kdf.json`), checked. */
function legacyKdf(dataDir: string, passphrase: string): Kdf | undefined {
  const path = join(dataDir, SEAL_KDF_FILE);
  if (!existsSync(path)) return undefined;
  const kdf = JSON.parse(readFileSync(path, "utf8")) as KdfFile;
  if (!opens(derivePassphraseKey(passphrase, kdf), Buffer.from(kdf.check, "base64url"))) throw wrongSeal(true, "");
  return kdf;
}

function missingKeyFile(keyFile: string): KeyholdError {
  return new KeyholdError(
    "Unavailable",
    `The seal key file ${keyFile} does not exist, and this store holds secrets sealed by a seal key: copy the key file of a node of this store there (or set seal.keyFile to it).`,
  );
}

function wrongSeal(passphrase: boolean, keyFile: string): KeyholdError {
  return new KeyholdError(
    "Unavailable",
    passphrase
      ? `The seal passphrase (${SEAL_PASSPHRASE_ENV}) does not open this store: it was sealed with another passphrase. Nothing was changed.`
      : `The seal key in ${keyFile} does not open this store: it was sealed with another key. Use the key file of the other nodes (seal.keyFile). Nothing was changed.`,
  );
}
