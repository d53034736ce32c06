/** Loads the pre-generated fixture keys (test/fixtures/keys); see the README there. */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { JsonWebKey } from "../../src/crypto/jwk.js";

/** Beside this file in the sources; from dist/test/helpers/ (the benchmarks run built) the same folder in the sources. */
const FIXTURES =
  [resolve(import.meta.dirname, "../fixtures/keys"), resolve(import.meta.dirname, "../../../test/fixtures/keys")].find((dir) =>
    existsSync(dir),
  ) ?? "";

export function fixtureKey(name: string): JsonWebKey {
  return JSON.parse(readFileSync(resolve(FIXTURES, `${name}.json`), "utf8")) as JsonWebKey;
}

export const RSA_FIXTURES = { 2048: fixtureKey("rsa-2048-1"), 3072: fixtureKey("rsa-3072-1"), 4096: fixtureKey("rsa-4096-1") } as const;
export const EC_FIXTURES = {
  "P-256": fixtureKey("ec-p256"),
  "P-256K": fixtureKey("ec-p256k"),
  "P-384": fixtureKey("ec-p384"),
  "P-521": fixtureKey("ec-p521"),
} as const;
