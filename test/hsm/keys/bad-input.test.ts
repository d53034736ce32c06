/** Bad input gets BadParameter naming the field, before any key is touched; the server state is unchanged. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyItem } from "../../../src/hsm/keys/index.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../../helpers/keys.js";
import { expectFailure, keyFixture, type KeyFixture } from "./helpers.js";

let f: KeyFixture;
beforeAll(async () => {
  f = await keyFixture();
  await f.call("KeyImport", { name: "rsa", key: RSA_FIXTURES[2048] });
  await f.call("KeyImport", { name: "ec", key: EC_FIXTURES["P-256"] });
  await f.call("KeyCreate", { name: "oct", kty: "oct", keySize: 128 });
});
afterAll(async () => {
  await f?.close();
});

const tooManyTags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"]));

describe("crypto requests", () => {
  it.each([
    ["wrong digest length", "KeySign", { name: "rsa", algorithm: "PS256", digest: new Uint8Array(31) }, "digest"],
    ["wrong digest length (EC)", "KeySign", { name: "ec", algorithm: "ES256", digest: new Uint8Array(48) }, "digest"],
    [
      "wrong digest length (verify)",
      "KeyVerify",
      { name: "rsa", algorithm: "RS512", digest: new Uint8Array(32), signature: new Uint8Array(256) },
      "digest",
    ],
    ["unknown algorithm", "KeySign", { name: "rsa", algorithm: "PS999", digest: new Uint8Array(32) }, "algorithm"],
    ["a sign algorithm to encrypt", "KeyEncrypt", { name: "rsa", algorithm: "PS256", plaintext: new Uint8Array(8) }, "algorithm"],
    ["an RSA algorithm on an EC key", "KeySign", { name: "ec", algorithm: "PS256", digest: new Uint8Array(32) }, "algorithm"],
    ["an EC algorithm on an RSA key", "KeySign", { name: "rsa", algorithm: "ES256", digest: new Uint8Array(32) }, "algorithm"],
    ["an AES algorithm on an RSA key", "KeyWrap", { name: "rsa", algorithm: "A256KW", key: new Uint8Array(32) }, "algorithm"],
    [
      "an AES-256 algorithm on a 128-bit key",
      "KeyEncrypt",
      { name: "oct", algorithm: "A256GCM", plaintext: new Uint8Array(8) },
      "algorithm",
    ],
    [
      "a GCM iv of the wrong length",
      "KeyEncrypt",
      { name: "oct", algorithm: "A128GCM", plaintext: new Uint8Array(8), iv: new Uint8Array(5) },
      "iv",
    ],
    ["an iv for RSA", "KeyEncrypt", { name: "rsa", algorithm: "RSA-OAEP", plaintext: new Uint8Array(8), iv: new Uint8Array(12) }, "iv"],
    ["a digest that is not bytes", "KeySign", { name: "rsa", algorithm: "PS256", digest: "AAAA" }, "digest"],
    ["no digest", "KeySign", { name: "rsa", algorithm: "PS256" }, "digest"],
    ["no algorithm", "KeySign", { name: "rsa", digest: new Uint8Array(32) }, "algorithm"],
    ["a bad key name", "KeySign", { name: "no/slash", algorithm: "PS256", digest: new Uint8Array(32) }, "name"],
    ["a bad version", "KeySign", { name: "rsa", version: "latest", algorithm: "PS256", digest: new Uint8Array(32) }, "version"],
    ["plaintext too long for RSA", "KeyEncrypt", { name: "rsa", algorithm: "RSA-OAEP-256", plaintext: new Uint8Array(300) }, "plaintext"],
  ])("%s", async (_label, operation, raw, field) => {
    await expectFailure(f.call(operation, raw), "BadParameter", field);
  });

  it("refuses an unknown key or version with KeyNotFound", async () => {
    await expectFailure(f.call("KeySign", { name: "missing", algorithm: "PS256", digest: new Uint8Array(32) }), "KeyNotFound");
    await expectFailure(
      f.call("KeySign", { name: "rsa", version: "f".repeat(32), algorithm: "PS256", digest: new Uint8Array(32) }),
      "KeyNotFound",
    );
  });
});

describe("key requests", () => {
  const rsa = RSA_FIXTURES[2048];
  it.each([
    ["a name with a slash", "KeyCreate", { name: "a/b", kty: "RSA" }, "name"],
    ["a name of 128 characters", "KeyCreate", { name: "a".repeat(128), kty: "RSA" }, "name"],
    ["an empty name", "KeyGet", { name: "" }, "name"],
    ["a name of the wrong type", "KeyGet", { name: 42 }, "name"],
    ["an unknown kty", "KeyCreate", { name: "x", kty: "DSA" }, "kty"],
    ["an RSA size of 1024", "KeyCreate", { name: "x", kty: "RSA", keySize: 1024 }, "key_size"],
    ["an oct size of 512", "KeyCreate", { name: "x", kty: "oct", keySize: 512 }, "key_size"],
    ["an unknown curve", "KeyCreate", { name: "x", kty: "EC", crv: "P-192" }, "crv"],
    ["a curve for RSA", "KeyCreate", { name: "x", kty: "RSA", crv: "P-256" }, "crv"],
    ["a size for EC", "KeyCreate", { name: "x", kty: "EC", keySize: 256 }, "key_size"],
    ["key_ops EC keys cannot do", "KeyCreate", { name: "x", kty: "EC", keyOps: ["encrypt"] }, "key_ops"],
    ["16 tags", "KeyCreate", { name: "x", kty: "oct", tags: tooManyTags }, "tags"],
    ["a tag value of 257 characters", "KeyCreate", { name: "x", kty: "oct", tags: { a: "v".repeat(257) } }, "tags.a"],
    ["a tag name of 257 characters", "KeyCreate", { name: "x", kty: "oct", tags: { ["n".repeat(257)]: "v" } }, "tags"],
    ["a tag value that is not a string", "KeyCreate", { name: "x", kty: "oct", tags: { a: 1 } }, "tags.a"],
    ["exp before nbf", "KeyCreate", { name: "x", kty: "oct", attributes: { nbf: 2000, exp: 1000 } }, "attributes.exp"],
    ["a negative nbf", "KeyCreate", { name: "x", kty: "oct", attributes: { nbf: -1 } }, "attributes.nbf"],
    ["enabled that is not a boolean", "KeyCreate", { name: "x", kty: "oct", attributes: { enabled: "yes" } }, "attributes.enabled"],
    ["an RSA JWK without d", "KeyImport", { name: "x", key: { ...rsa, d: undefined } }, "key.d"],
    ["an RSA JWK with a bad n", "KeyImport", { name: "x", key: { ...rsa, n: "AQAB" } }, "key.n"],
    ["an RSA JWK with n that is not base64url", "KeyImport", { name: "x", key: { ...rsa, n: "not base64url!" } }, "key.n"],
    ["an RSA JWK whose p does not match", "KeyImport", { name: "x", key: { ...rsa, p: RSA_FIXTURES[2048].q } }, "key.p"],
    ["an EC JWK without d", "KeyImport", { name: "x", key: { ...EC_FIXTURES["P-256"], d: undefined } }, "key.d"],
    [
      "an EC JWK whose point is off the curve",
      "KeyImport",
      { name: "x", key: { ...EC_FIXTURES["P-256"], y: EC_FIXTURES["P-256"].x } },
      "key",
    ],
    ["an oct JWK of 20 bytes", "KeyImport", { name: "x", key: { kty: "oct", k: Buffer.alloc(20).toString("base64url") } }, "key.k"],
    ["a JWK of an unknown type", "KeyImport", { name: "x", key: { kty: "OKP" } }, "key.kty"],
    ["no JWK", "KeyImport", { name: "x" }, "key"],
    ["a restore blob that is not bytes", "KeyRestore", { value: "blob" }, "value"],
    ["a restore blob of garbage", "KeyRestore", { value: new Uint8Array(64) }, "value"],
    ["a page size of -1", "KeyList", { pageSize: -1 }, "page_size"],
    ["key_ops that are not a list", "KeyUpdate", { name: "rsa", keyOps: { values: "sign" } }, "key_ops.values"],
    ["a request that is not an object", "KeyGet", "rsa", "request"],
  ])("%s", async (_label, operation, raw, field) => {
    const error = await expectFailure(f.call(operation, raw), "BadParameter");
    expect(error.field === field || error.field?.startsWith(`${field}.`)).toBe(true);
    expect(error.message.startsWith(error.field!)).toBe(true);
  });

  it("left no partial state behind", async () => {
    const names = (await f.call<{ items: KeyItem[] }>("KeyList", {})).items.map((i) => i.kid.split("/")[4]);
    expect(names).toEqual(["ec", "oct", "rsa"]);
  });

  it("never echoes private key material in an error", async () => {
    const error = await expectFailure(f.call("KeyImport", { name: "x", key: { ...rsa, dp: rsa.dq } }), "BadParameter", "key.dp");
    for (const member of [rsa.d!, rsa.p!, rsa.q!, rsa.dp!, rsa.dq!]) expect(error.message.includes(member)).toBe(false);
  });
});
