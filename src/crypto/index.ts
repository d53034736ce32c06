/**
 * keyhold's crypto core, also published as the package export
 * "keyhold/crypto": pure functions over JSON Web Keys and Key Vault algorithm
 * names, with no I/O, logging or configuration.
 */
export {
  generateKey,
  sign,
  signBatch,
  verify,
  encrypt,
  decrypt,
  wrapKey,
  unwrapKey,
  type CryptoOptions,
  type EncryptOptions,
  type DecryptOptions,
  type EncryptResult,
  type GenerateKeyType,
} from "./operations.js";
export { selfTest } from "./self-test.js";
export { KeyholdError, type KeyholdErrorCode } from "../errors.js";
export {
  ALGORITHMS,
  ALGORITHM_NAMES,
  algorithmByName,
  type AlgorithmSpec,
  type CurveName,
  type HashName,
  type KeyOperation,
  type KeyType,
} from "./algorithms.js";
export { publicJwk, keyTypeOf, parseRsaPrivateKey, parseEcPublicKey, parseOctKey, type JsonWebKey } from "./jwk.js";
export { setDefaultProvider, defaultProviders, PROVIDERS_BY_FAMILY, type ProviderFamily, type ProviderName } from "./providers/index.js";
