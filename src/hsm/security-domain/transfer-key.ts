/**
 * The transfer key of a recovery (Azure's "exchange key", reference section
 * 3.3): an RSA-3072 key pair a NotActivated HSM makes once, keeps sealed by
 * the node seal in the store, and whose public half the administrator's
 * restore-blob encrypts the shares to. It lives until an upload succeeds, so
 * a failed upload can be retried with the same key; the next recovery of the
 * HSM gets a new one.
 */
import { generateKey, type JsonWebKey } from "../../crypto/index.js";
import { KeyholdError } from "../../errors.js";
import type { NodeSeal } from "../keys/seal.js";
import type { SecurityDomainRecoveryRepository } from "./recovery-repository.js";
import { rsaKeyThumbprint } from "./thumbprints.js";

const TRANSFER_KEY_BITS = 3072;
const TRANSFER_KEY_ALGORITHM = "RSA-OAEP-256";

/** The public transfer key as GetTransferKey returns it. */
export interface TransferPublicKey {
  /** RFC 7638 thumbprint of (n, e), which the restore blob is bound to. */
  readonly kid: string;
  readonly kty: "RSA";
  readonly alg: typeof TRANSFER_KEY_ALGORITHM;
  readonly key_ops: readonly ["wrapKey", "encrypt"];
  readonly n: string;
  readonly e: string;
}

export type TransferKeyGenerator = () => Promise<JsonWebKey>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Binds the sealed key to its HSM: a sealed transfer key copied to another HSM's row does not open. */
function sealAad(hsmId: string): Uint8Array {
  return encoder.encode(`keyhold/v1/security-domain-transfer-key\n${hsmId}`);
}

const generateTransferKey: TransferKeyGenerator = () => generateKey("RSA", { size: TRANSFER_KEY_BITS });

export function transferPublicKey(privateKey: JsonWebKey): TransferPublicKey {
  if (privateKey.kty !== "RSA" || typeof privateKey.n !== "string" || typeof privateKey.e !== "string") {
    throw new KeyholdError("InternalError", "the transfer key is not an RSA key");
  }
  return {
    kid: rsaKeyThumbprint(privateKey.n, privateKey.e),
    kty: "RSA",
    alg: TRANSFER_KEY_ALGORITHM,
    key_ops: ["wrapKey", "encrypt"],
    n: privateKey.n,
    e: privateKey.e,
  };
}

export class TransferKeys {
  readonly #repository: SecurityDomainRecoveryRepository;
  readonly #seal: NodeSeal;
  readonly #generate: TransferKeyGenerator;
  readonly #now: () => number;

  constructor(
    repository: SecurityDomainRecoveryRepository,
    seal: NodeSeal,
    generate: TransferKeyGenerator = generateTransferKey,
    now: () => number = Date.now,
  ) {
    this.#repository = repository;
    this.#seal = seal;
    this.#generate = generate;
    this.#now = now;
  }

  /** The HSM's transfer key pair, made and stored sealed on first call. */
  async ensure(hsmId: string): Promise<JsonWebKey> {
    const existing = await this.privateKey(hsmId);
    if (existing !== undefined) return existing;
    const made = await this.#generate();
    const sealed = this.#seal.seal(encoder.encode(JSON.stringify(made)), sealAad(hsmId));
    await this.#repository.insertSealedTransferKey(hsmId, sealed, Math.floor(this.#now() / 1000));
    // Another node may have stored its key first; that one is the HSM's.
    const stored = await this.privateKey(hsmId);
    if (stored === undefined) throw new KeyholdError("Unavailable", "The transfer key could not be stored; try again.");
    return stored;
  }

  /** The HSM's transfer key pair, if GetTransferKey made one. */
  async privateKey(hsmId: string): Promise<JsonWebKey | undefined> {
    const sealed = await this.#repository.getSealedTransferKey(hsmId);
    if (sealed === undefined) return undefined;
    const opened = this.#seal.open(sealed, sealAad(hsmId));
    if (opened === undefined) throw new KeyholdError("Unavailable", `The transfer key of HSM ${hsmId} cannot be unsealed on this node.`);
    try {
      return JSON.parse(decoder.decode(opened)) as JsonWebKey;
    } finally {
      opened.fill(0);
    }
  }

  /** Ends the recovery: the key is never used again. */
  async discard(hsmId: string): Promise<void> {
    await this.#repository.deleteTransferKey(hsmId);
  }
}
