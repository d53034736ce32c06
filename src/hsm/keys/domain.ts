/**
 * Each HSM's security domain secret: 32 random bytes made when the HSM is
 * first used, stored sealed by the node seal, from which the keys that
 * protect its key material are derived with HKDF-SHA-256 (RFC 5869), one
 * `info` per purpose so that no key serves two.
 */
import { createHash, hkdfSync, randomBytes } from "node:crypto";
import { equalBytes } from "../../crypto/bytes.js";
import { KeyholdError } from "../../errors.js";
import { GenerationCache } from "../../store/generation-cache.js";
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

/** The HSM's sealed domain secret, making (and storing) one when it has none yet. */
async function ensureSealedDomainSecret(store: Store, seal: NodeSeal, hsmId: string, now: () => number): Promise<Uint8Array> {
  const stored = await store.keys.getSealedDomainSecret(hsmId);
  if (stored !== undefined) return stored;
  const secret = randomBytes(DOMAIN_SECRET_BYTES);
  // Two nodes may race here; the store keeps the first secret and both read it back.
  await store.keys.insertSealedDomainSecret(hsmId, sealDomainSecret(seal, hsmId, secret), Math.floor(now() / 1000));
  const sealed = await store.keys.getSealedDomainSecret(hsmId);
  if (sealed === undefined) throw new KeyholdError("Unavailable", `The domain secret of HSM ${hsmId} could not be stored.`);
  return sealed;
}

/** The keys derived from a sealed domain secret; Unavailable when this node's seal does not open it. */
function openDomainKeys(seal: NodeSeal, hsmId: string, sealed: Uint8Array): DomainKeys {
  const secret = openDomainSecret(seal, hsmId, sealed);
  if (secret === undefined) {
    throw new KeyholdError(
      "Unavailable",
      `The domain secret of HSM ${hsmId} cannot be unsealed: this node's seal key or passphrase is not the one it was sealed with.`,
    );
  }
  try {
    return domainKeysFrom(hsmId, secret);
  } finally {
    secret.fill(0);
  }
}

/** The HSM's domain keys, making (and storing sealed) its domain secret when it has none yet. */
export async function ensureHsmDomain(store: Store, seal: NodeSeal, hsmId: string, now: () => number = Date.now): Promise<DomainKeys> {
  return openDomainKeys(seal, hsmId, await ensureSealedDomainSecret(store, seal, hsmId, now));
}

/**
 * Domain keys of every HSM this node serves, derived once per sealed secret. Another node may replace a secret (a
 * security domain upload), so each `get` checks the sealed bytes it derived from against the store's, re-read only
 * when the store's generation moved (every change to the secrets moves it): a check that costs no store read of its
 * own, since the call has read the generation already.
 */
export class HsmDomains {
  readonly #store: Store;
  readonly #seal: NodeSeal;
  /** The sealed secret by HSM id as of the generation; null while the HSM has none (cached too). */
  readonly #sealed: GenerationCache<Uint8Array | null>;
  readonly #keys = new Map<string, { readonly sealed: Uint8Array; readonly keys: DomainKeys }>();

  constructor(store: Store, seal: NodeSeal) {
    this.#store = store;
    this.#seal = seal;
    this.#sealed = new GenerationCache(store);
  }

  async get(hsmId: string): Promise<DomainKeys> {
    const stored = await this.#sealed.getOrLoad(hsmId, async () => (await this.#store.keys.getSealedDomainSecret(hsmId)) ?? null);
    const sealed = stored ?? (await ensureSealedDomainSecret(this.#store, this.#seal, hsmId, Date.now));
    const cached = this.#keys.get(hsmId);
    if (cached !== undefined && (cached.sealed === sealed || equalBytes(cached.sealed, sealed))) return cached.keys;
    const keys = openDomainKeys(this.#seal, hsmId, sealed);
    this.#keys.set(hsmId, { sealed, keys });
    return keys;
  }
}
