/**
 * ECDSA with OpenSSL (node:crypto) doing the scalar multiplications.
 *
 * Why it exists: a second implementation, independent of @noble/curves, to
 * test the two against each other, and OpenSSL's speed for k·G and u·P.
 * node:crypto cannot sign or verify a caller-supplied digest with ECDSA (it
 * always hashes), so the ECDSA equations are written here (native-sign.ts,
 * native-verify.ts) and only the point multiplications go to OpenSSL through
 * ECDH (openssl-multiply.ts). What is and is not constant time is said in
 * each file.
 */
import type { EcProvider } from "../providers/types.js";
import { signDigests } from "./native-sign.js";
import { verifyDigest } from "./native-verify.js";

export const nativeEcProvider: EcProvider = {
  name: "native",
  sign: (key, digest) => signDigests(key, [digest])[0] as Uint8Array,
  signBatch: signDigests,
  verify: verifyDigest,
};
