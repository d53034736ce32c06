/** Status codes returned across the flat ABI (mirrored in src/crypto/bignum/wasm-abi.ts). */
export namespace Status {
  export const OK: i32 = 0;
  export const UNSUPPORTED_SIZE: i32 = 1;
  export const INPUT_NOT_LESS_THAN_MODULUS: i32 = 2;
  export const CONSISTENCY_CHECK_FAILED: i32 = 3;
  export const EVEN_MODULUS: i32 = 4;
  export const BAD_LENGTH: i32 = 5;
}
