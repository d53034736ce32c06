/**
 * Known-answer self-test run before serving (as Go's crypto/internal/fips140
 * cast.go does): every provider of every family must reproduce fixed answers
 * made by an independent implementation. Workers refuse tasks, and the server
 * refuses to start, when it fails.
 */
import { createHash } from "node:crypto";
import { KeyholdError } from "../errors.js";
import { equalBytes, fromBase64Url, toBase64Url } from "./bytes.js";
import { decrypt, encrypt, sign, unwrapKey, verify, wrapKey } from "./operations.js";
import { PROVIDERS_BY_FAMILY } from "./providers/index.js";
import {
  SELF_TEST_EC_KEY,
  SELF_TEST_ES256,
  SELF_TEST_GCM,
  SELF_TEST_HS256,
  SELF_TEST_KW,
  SELF_TEST_MESSAGE,
  SELF_TEST_RS256,
  SELF_TEST_RSA_KEY,
} from "./self-test-vectors.js";

const hex = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, "hex"));

function check(condition: boolean, what: string): void {
  if (!condition) throw new KeyholdError("InternalError", `crypto self-test failed: ${what}`);
}

export async function selfTest(): Promise<void> {
  const message = new TextEncoder().encode(SELF_TEST_MESSAGE);
  const digest = new Uint8Array(createHash("sha256").update(message).digest());

  for (const provider of PROVIDERS_BY_FAMILY.rsa) {
    const rs256 = await sign("RS256", SELF_TEST_RSA_KEY, digest, { provider });
    check(toBase64Url(rs256) === SELF_TEST_RS256, `RS256 known answer (${provider})`);
    const ps256 = await sign("PS256", SELF_TEST_RSA_KEY, digest, { provider });
    check(await verify("PS256", SELF_TEST_RSA_KEY, digest, ps256, { provider }), `PS256 sign/verify (${provider})`);
    const { ciphertext } = await encrypt("RSA-OAEP-256", SELF_TEST_RSA_KEY, message, { provider });
    check(equalBytes(await decrypt("RSA-OAEP-256", SELF_TEST_RSA_KEY, ciphertext, { provider }), message), `RSA-OAEP-256 (${provider})`);
  }

  for (const provider of PROVIDERS_BY_FAMILY.ec) {
    const known = fromBase64Url(SELF_TEST_ES256, "selfTest");
    check(await verify("ES256", SELF_TEST_EC_KEY, digest, known, { provider }), `ES256 known answer (${provider})`);
    const fresh = await sign("ES256", SELF_TEST_EC_KEY, digest, { provider });
    check(await verify("ES256", SELF_TEST_EC_KEY, digest, fresh, { provider }), `ES256 sign/verify (${provider})`);
  }

  const aesKey = { kty: "oct", k: toBase64Url(hex(SELF_TEST_GCM.key)) };
  const gcm = await encrypt("A256GCM", aesKey, message, { iv: hex(SELF_TEST_GCM.iv), aad: hex(SELF_TEST_GCM.aad) });
  check(equalBytes(gcm.ciphertext, hex(SELF_TEST_GCM.ciphertext)) && equalBytes(gcm.tag!, hex(SELF_TEST_GCM.tag)), "A256GCM known answer");

  const kek = { kty: "oct", k: toBase64Url(hex(SELF_TEST_KW.kek)) };
  const wrapped = await wrapKey("A256KW", kek, hex(SELF_TEST_KW.keyData));
  check(equalBytes(wrapped, hex(SELF_TEST_KW.wrapped)), "A256KW known answer");
  check(equalBytes(await unwrapKey("A256KW", kek, wrapped), hex(SELF_TEST_KW.keyData)), "A256KW unwrap");

  check(equalBytes(await sign("HS256", aesKey, digest), hex(SELF_TEST_HS256)), "HS256 known answer");
}
