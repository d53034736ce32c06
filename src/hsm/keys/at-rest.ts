/**
 * Private key material at rest: each version's private JWK is encrypted with
 * AES-256-GCM under the HSM's keys-at-rest key, with `hsmId \n name \n version`
 * as associated data, so a sealed blob moved to another key name, version or
 * HSM fails to open instead of serving as that key.
 */
import type { JsonWebKey } from "../../crypto/index.js";
import { KeyholdError } from "../../errors.js";
import { aeadOpen, aeadSeal } from "./aead.js";
import type { DomainKeys } from "./domain.js";

export interface KeyVersionId {
  readonly hsmId: string;
  /** The key's stored name (as first created), which is case-exact. */
  readonly name: string;
  readonly version: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function aad(id: KeyVersionId): Uint8Array {
  return encoder.encode(`${id.hsmId}\n${id.name}\n${id.version}`);
}

export function sealPrivateJwk(domain: DomainKeys, id: KeyVersionId, jwk: JsonWebKey): Uint8Array {
  return aeadSeal(domain.atRestKey, encoder.encode(JSON.stringify(jwk)), aad(id));
}

export function openPrivateJwk(domain: DomainKeys, id: KeyVersionId, sealed: Uint8Array): JsonWebKey {
  const plaintext = aeadOpen(domain.atRestKey, sealed, aad(id));
  if (plaintext === undefined) {
    // Tampering with the store, or a row moved between keys: a fault of the server, not of the caller.
    throw new KeyholdError("InternalError", `The stored material of key '${id.name}' version ${id.version} failed its integrity check.`);
  }
  return JSON.parse(decoder.decode(plaintext)) as JsonWebKey;
}
