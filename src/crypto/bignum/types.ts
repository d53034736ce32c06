/** Big-endian unsigned integers as in JWK (RFC 7518 section 6.3). */
export interface RsaPrivateParams {
  n: Uint8Array;
  e: Uint8Array;
  d: Uint8Array;
  p: Uint8Array;
  q: Uint8Array;
  dp: Uint8Array;
  dq: Uint8Array;
  qi: Uint8Array;
}

export interface RsaPublicParams {
  n: Uint8Array;
  e: Uint8Array;
}

/** Opaque per-key state prepared by one engine; only that engine accepts it. */
export interface RsaPrivateKeyHandle {
  readonly engine: RsaEngine["name"];
  readonly modulusBits: number;
}

export interface RsaPublicKeyHandle {
  readonly engine: RsaEngine["name"];
  readonly modulusBits: number;
}

export interface RsaEngine {
  readonly name: "wasm" | "bigint";
  /** Precompute per-key constants (Montgomery R^2, n0inv, ...) once; callers cache the handle per key. */
  preparePrivate(key: RsaPrivateParams): RsaPrivateKeyHandle;
  preparePublic(key: RsaPublicParams): RsaPublicKeyHandle;
  /** input^d mod n with CRT (Garner) and the fault check input == output^e mod n. input is exactly k = len(n)
   * bytes, big-endian, and must be < n. Returns exactly k bytes. */
  privateOp(key: RsaPrivateKeyHandle, input: Uint8Array): Uint8Array;
  /** input^e mod n; same length rules. */
  publicOp(key: RsaPublicKeyHandle, input: Uint8Array): Uint8Array;
}
