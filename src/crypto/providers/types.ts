/**
 * Providers do the arithmetic-heavy part of a scheme; padding, hashing and
 * encodings stay in the schemes so every provider is held to the same bytes.
 * `native` = node:crypto / OpenSSL, `wasm` = our AssemblyScript kernels (RSA),
 * `noble` = @noble/curves (EC).
 */
import type { EcPrivateKey, EcPublicKey, RsaPrivateKey, RsaPublicKey } from "../jwk.js";

export type ProviderName = "native" | "wasm" | "noble";

export interface RsaProvider {
  readonly name: ProviderName;
  /** input^d mod n; input is exactly key.byteLength bytes and < n; output is key.byteLength bytes. */
  privateOp(key: RsaPrivateKey, input: Uint8Array): Uint8Array;
  /** input^e mod n; same length rules. */
  publicOp(key: RsaPublicKey, input: Uint8Array): Uint8Array;
}

export interface EcProvider {
  readonly name: ProviderName;
  /**
   * ECDSA over a message digest (SEC 1 section 4.1.3; the digest is truncated
   * to the order's bit length as bits2int does). Returns r‖s, each
   * curve.scalarBytes long.
   */
  sign(key: EcPrivateKey, digest: Uint8Array): Uint8Array;
  /**
   * `sign` for each digest, in order, each signature with its own nonce, as a provider does it best in bulk
   * (the native one pays one modular inversion for the whole batch). Every digest is one the core accepted;
   * a key the provider refuses throws for the batch.
   */
  signBatch(key: EcPrivateKey, digests: readonly Uint8Array[]): Uint8Array[];
  /** Accepts high-S signatures (as Key Vault does); any malformed signature is `false`, never a throw. */
  verify(key: EcPublicKey, digest: Uint8Array, signature: Uint8Array): boolean;
}
