/**
 * Each HSM's security domain secret: 32 random bytes made when the HSM is
 * first used, stored sealed by the node seal, from which the keys that
 * protect its key material are derived with HKDF-SHA-256 (RFC 5869), one
 * `info` per purpose so that no key serves two.
 */
import { createHash, hkdfSync, randomBytes } from "node:crypto";
import { KeyholdError } from "../../errors.js";
import type { Store } from "../../store/index.js";
import { AEAD_KEY_BYTES } from "./aead.js";
import type { NodeSeal } from "./seal.js";

export interface DomainKeys {
  readonly hsmId: string;
  /** Encrypts private JWKs in the store. */
  readonly atRestKey: Uint8Array;
  /** Encrypts key backup blobs. */
  readonly backupKey: Uint8Array;
  /** Names the domain in backup headers: equal for the same secret, and reveals nothing of it. */
  readonly fingerprint: Uint8Array;
}

const DOMAIN_SECRET_BYTES = 32;
export const FINGERPRINT_BYTES = 16;
const encoder = new TextEncoder();

/** An AEAD key derived from `secret` for the one purpose `info` names (HKDF-SHA-256, empty salt). */
export function deriveKey(secret: Uint8Array, info: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", secret, new Uint8Array(0), info, AEAD_KEY_BYTES));
}

/** Binds the sealed secret to its HSM, so a sealed secret copied to another HSM's row does not open. */
function sealAad(hsmId: string): Uint8Array {
  return encoder.encode(`keyhold/v1/domain-secret\n${hsmId}`);
}

/** The domain secret as the store keeps it, sealed by the node seal to its HSM. */
export function sealDomainSecret(seal: NodeSeal, hsmId: string, secret: Uint8Array): Uint8Array {
  return seal.seal(secret, sealAad(hsmId));
}

/** The secret in `sealed`, or undefined when this node's seal did not seal it for this HSM. */
export function openDomainSecret(seal: NodeSeal, hsmId: string, sealed: Uint8Array): Uint8Array | undefined {
  return seal.open(sealed, sealAad(hsmId));
}

export function domainKeysFrom(hsmId: string, secret: Uint8Array): DomainKeys {
  const fingerprint = createHash("sha256")
    .update(deriveKey(secret, "keyhold/v1/domain-fingerprint"))
    .digest()
    .subarray(0, FINGERPRINT_BYTES);
  return Object.freeze({
    hsmId,
    atRestKey: deriveKey(secret, "keyhold/v1/keys-at-rest"),
    backupKey: deriveKey(secret, "keyhold/v1/key-backup"),
    fingerprint: new Uint8Array(fingerprint),
  });
}

/** The HSM's domain keys, making (and storing sealed) its domain secret when it has none yet. */
export async function ensureHsmDomain(store: Store, seal: NodeSeal, hsmId: string, now: () => number = Date.now): Promise<DomainKeys> {
  let sealed = await store.keys.getSealedDomainSecret(hsmId);
  if (sealed === undefined) {
    const secret = randomBytes(DOMAIN_SECRET_BYTES);
    // Two nodes may race here; the store keeps the first secret and both read it back.
    await store.keys.insertSealedDomainSecret(hsmId, sealDomainSecret(seal, hsmId, secret), Math.floor(now() / 1000));
    sealed = await store.keys.getSealedDomainSecret(hsmId);
  }
  const secret = sealed === undefined ? undefined : openDomainSecret(seal, hsmId, sealed);
  if (secret === undefined) {
    throw new KeyholdError(
      "Unavailable",
      `The domain secret of HSM ${hsmId} cannot be unsealed: this node's seal key or passphrase is not the one it was sealed with.`,
    );
  }
  return domainKeysFrom(hsmId, secret);
}

/** Domain keys of every HSM this node serves, unsealed once per HSM and kept in memory. */
export class HsmDomains {
  readonly #store: Store;
  readonly #seal: NodeSeal;
  readonly #keys = new Map<string, Promise<DomainKeys>>();

  constructor(store: Store, seal: NodeSeal) {
    this.#store = store;
    this.#seal = seal;
  }

  get(hsmId: string): Promise<DomainKeys> {
    let keys = this.#keys.get(hsmId);
    if (keys === undefined) {
      keys = ensureHsmDomain(this.#store, this.#seal, hsmId);
      keys.catch(() => this.#keys.delete(hsmId));
      this.#keys.set(hsmId, keys);
    }
    return keys;
  }

  /** Drops the cached keys of one HSM, whose domain secret was just replaced (security domain upload). */
  forget(hsmId: string): void {
    this.#keys.delete(hsmId);
  }
}
