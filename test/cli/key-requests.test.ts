import { createHash, generateKeyPairSync } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  buildCreateKeyRequest,
  buildDecryptRequest,
  buildEncryptRequest,
  buildImportKeyRequest,
  buildSignRequest,
  buildUnwrapKeyRequest,
  buildUpdateKeyRequest,
  buildVerifyRequest,
  buildWrapKeyRequest,
  jwkFromPem,
  KEY_TAG_RULES,
  parseKeyOps,
  parseTime,
  rotationPolicyFromJson,
  updateNeedsCurrentAttributes,
} from "../../src/cli/key-requests.js";
import { formatDeletedKey, formatKeyBundle, formatKeyList, formatRotationPolicy, keyIdParts } from "../../src/cli/key-format.js";
import { parseTags } from "../../src/cli/client-options.js";
import { buildRandomBytesRequest } from "../../src/cli/rng.js";
import { toBase64Url } from "../../src/crypto/bytes.js";
import { DeletedKeyBundleSchema, JsonWebKeySchema, KeyAttributesSchema, KeyBundleSchema } from "../../src/gen/keyhold/v1/keys_pb.js";
import { fixtureKey } from "../helpers/keys.js";

/** A stand-in file system for the builders: path -> bytes. */
function files(entries: Record<string, Uint8Array | string>): (flag: string, path: string) => Uint8Array {
  return (flag, path) => {
    const content = entries[path];
    if (content === undefined) throw new Error(`${flag}: no file ${path}`);
    return typeof content === "string" ? new Uint8Array(Buffer.from(content)) : content;
  };
}

describe("flag parsing", () => {
  it("parses ISO 8601 times with a zone into unix seconds", () => {
    expect(parseTime("--expires", "2027-01-31T12:00:00Z")).toBe(1_801_396_800n);
    expect(parseTime("--expires", "2027-01-31T13:00:00+01:00")).toBe(1_801_396_800n);
    expect(parseTime("--expires", "2027-01-31")).toBe(1_801_353_600n);
    for (const bad of ["tomorrow", "2027-01-31T12:00:00", "1801396800", "2027-13-45T00:00:00Z"]) {
      expect(() => parseTime("--expires", bad)).toThrow(/^--expires: must be an ISO 8601 date/);
    }
  });

  it("parses tags and key operations, naming the flag when wrong", () => {
    expect(parseTags("--tags", ["team=payments", "env=", "note=a=b"], KEY_TAG_RULES)).toEqual({ team: "payments", env: "", note: "a=b" });
    expect(() => parseTags("--tags", ["=x"], KEY_TAG_RULES)).toThrow('--tags: "=x" must be key=value');
    expect(() => parseTags("--tags", ["a=1", "a=2"], KEY_TAG_RULES)).toThrow('--tags: tag "a" is given twice');
    expect(() =>
      parseTags(
        "--tags",
        Array.from({ length: 16 }, (_, i) => `t${i}=v`),
        KEY_TAG_RULES,
      ),
    ).toThrow("--tags: at most 15 tags");
    expect(parseKeyOps("--ops", ["sign,verify", "sign", "wrapKey"])).toEqual(["sign", "verify", "wrapKey"]);
    expect(() => parseKeyOps("--ops", ["export"])).toThrow('--ops: "export" is not one of');
  });

  it("accepts rng counts from 1 to 128 only", () => {
    expect(buildRandomBytesRequest("128").count).toBe(128);
    for (const bad of ["0", "129", "-1", "1.5", "ten", undefined]) {
      expect(() => buildRandomBytesRequest(bad)).toThrow("--count: must be a whole number from 1 to 128");
    }
  });
});

describe("key management requests", () => {
  it("builds CreateKey with size, operations, tags and attributes", () => {
    const request = buildCreateKeyRequest({
      name: "signer",
      kty: "RSA-HSM",
      size: "3072",
      ops: ["sign", "verify"],
      tags: ["team=payments"],
      expires: "2030-01-01T00:00:00Z",
      notBefore: "2026-01-01T00:00:00Z",
    });
    expect(request).toMatchObject({
      name: "signer",
      kty: "RSA-HSM",
      keySize: 3072,
      crv: "",
      keyOps: ["sign", "verify"],
      tags: { team: "payments" },
    });
    expect(request.attributes).toMatchObject({ enabled: true, exp: 1_893_456_000n, nbf: 1_767_225_600n });
    expect(buildCreateKeyRequest({ name: "ec", kty: "EC", curve: "P-256K", disabled: true })).toMatchObject({
      crv: "P-256K",
      keySize: 0,
      attributes: { enabled: false },
    });
  });

  it("refuses CreateKey flags that do not fit the key type", () => {
    expect(() => buildCreateKeyRequest({ name: "k", kty: "DSA" })).toThrow("--kty: must be one of RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM");
    expect(() => buildCreateKeyRequest({ name: "k", kty: "EC", size: "256" })).toThrow("--size: applies to RSA and oct keys");
    expect(() => buildCreateKeyRequest({ name: "k", kty: "RSA", curve: "P-256" })).toThrow("--curve: applies to EC keys only");
    expect(() => buildCreateKeyRequest({ name: "k", kty: "EC", curve: "P-224" })).toThrow(
      "--curve: must be one of P-256, P-256K, P-384, P-521",
    );
    expect(() => buildCreateKeyRequest({ name: "k", kty: "RSA", size: "2k" })).toThrow("--size: must be a positive whole number");
    expect(() => buildCreateKeyRequest({ kty: "RSA" })).toThrow("--name: is required");
  });

  it("imports a JWK file with its private members as bytes", () => {
    const jwk = fixtureKey("rsa-2048-1") as unknown as Record<string, string>;
    const request = buildImportKeyRequest({ name: "imported", jwk: "key.json", tags: ["a=b"] }, files({ "key.json": JSON.stringify(jwk) }));
    expect(request.key?.kty).toBe("RSA");
    expect(toBase64Url(request.key?.n ?? new Uint8Array())).toBe(jwk["n"]);
    expect(toBase64Url(request.key?.d ?? new Uint8Array())).toBe(jwk["d"]);
    expect(toBase64Url(request.key?.qi ?? new Uint8Array())).toBe(jwk["qi"]);
    expect(request.tags).toEqual({ a: "b" });
    expect(request.attributes?.enabled).toBe(true);
  });

  it("imports a PEM key, naming secp256k1 P-256K as JWA does", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const request = buildImportKeyRequest({ name: "k1", pem: "key.pem" }, files({ "key.pem": pem }));
    expect(request.key).toMatchObject({ kty: "EC", crv: "P-256K" });
    expect(request.key?.d.length).toBe(32);
    expect(jwkFromPem(pem)["kty"]).toBe("EC");
  });

  it("names what is wrong with an import without echoing the key", () => {
    const secret = '{"kty":"oct","k":"c2VjcmV0IGtleSBtYXRlcmlhbA"';
    expect(() => buildImportKeyRequest({ name: "k", jwk: "bad.json" }, files({ "bad.json": secret }))).toThrow(
      "--jwk: bad.json is not valid JSON",
    );
    expect(() => buildImportKeyRequest({ name: "k", jwk: "a", pem: "b" })).toThrow("--jwk: give exactly one of --jwk and --pem");
    expect(() => buildImportKeyRequest({ name: "k", jwk: "k.json" }, files({ "k.json": '{"kty":"RSA","n":"***"}' }))).toThrow(
      "--jwk n: is not valid base64url",
    );
    expect(() => buildImportKeyRequest({ name: "k", jwk: "k.json" }, files({ "k.json": '{"n":"AQAB"}' }))).toThrow(
      "--jwk kty: is required",
    );
    const { privateKey } = generateKeyPairSync("ed25519");
    const ed = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(() => buildImportKeyRequest({ name: "k", pem: "ed.pem" }, files({ "ed.pem": ed }))).toThrow(
      "--pem: holds a OKP key; keyhold imports RSA and EC keys",
    );
    expect(() =>
      buildImportKeyRequest({ name: "k", pem: "pub.pem" }, files({ "pub.pem": "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n" })),
    ).toThrow("--pem: must hold an unencrypted PEM private key");
  });

  it("builds UpdateKey with only the parts given, keeping the current enabled state when only dates change", () => {
    const tagsOnly = buildUpdateKeyRequest({ name: "k", tags: ["a=1"] });
    expect(tagsOnly.attributes).toBeUndefined();
    expect(tagsOnly.keyOps).toBeUndefined();
    expect(tagsOnly.tags?.values).toEqual({ a: "1" });

    const flags = { name: "k", version: "v1", expires: "2030-01-01T00:00:00Z" };
    expect(updateNeedsCurrentAttributes(flags)).toBe(true);
    const current = create(KeyAttributesSchema, { enabled: false, nbf: 100n, exp: 200n });
    const datesOnly = buildUpdateKeyRequest(flags, current);
    expect(datesOnly).toMatchObject({ name: "k", version: "v1" });
    expect(datesOnly.attributes).toMatchObject({ enabled: false, nbf: 100n, exp: 1_893_456_000n });

    const enable = buildUpdateKeyRequest({ name: "k", enabled: "true", ops: ["verify"] });
    expect(updateNeedsCurrentAttributes({ name: "k", enabled: "true" })).toBe(false);
    expect(enable.attributes?.enabled).toBe(true);
    expect(enable.keyOps?.values).toEqual(["verify"]);

    expect(() => buildUpdateKeyRequest({ name: "k", enabled: "yes" })).toThrow("--enabled: must be true or false");
    expect(() => buildUpdateKeyRequest({ name: "k" })).toThrow("--enabled: nothing to update");
  });

  it("reads rotation policies in the Key Vault shape and in protobuf JSON", () => {
    const keyVault = rotationPolicyFromJson({
      lifetimeActions: [
        { trigger: { timeAfterCreate: "P90D" }, action: { type: "Rotate" } },
        { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } },
      ],
      attributes: { expiryTime: "P1Y" },
    });
    const proto = rotationPolicyFromJson({
      lifetimeActions: [
        { timeAfterCreate: "P90D", action: "Rotate" },
        { timeBeforeExpiry: "P30D", action: "Notify" },
      ],
      expiryTime: "P1Y",
    });
    expect(keyVault).toEqual(proto);
    expect(formatRotationPolicy(proto)).toBe("Rotate P90D after creation\nNotify P30D before expiry\nnew versions expire after P1Y");
    expect(() => rotationPolicyFromJson({ lifetimeActions: "often" })).toThrow(/^--file: is not a rotation policy/);
  });
});

describe("crypto requests", () => {
  const digest = createHash("sha256").update("abc").digest();

  it("takes the digest inline, or hashes a data file with the algorithm's hash", () => {
    const inline = buildSignRequest({ name: "k", alg: "PS256", digest: toBase64Url(digest) });
    const hashed = buildSignRequest({ name: "k", alg: "PS256", dataFile: "data" }, files({ data: "abc" }));
    for (const request of [inline, hashed]) expect(Buffer.from(request.digest)).toEqual(digest);
    const es512 = buildSignRequest({ name: "k", version: "v2", alg: "ES512", dataFile: "data" }, files({ data: "abc" }));
    expect(Buffer.from(es512.digest)).toEqual(createHash("sha512").update("abc").digest());
    expect(es512).toMatchObject({ name: "k", version: "v2", algorithm: "ES512" });
  });

  it("refuses ambiguous or missing digests and unknown algorithms", () => {
    expect(() => buildSignRequest({ name: "k", alg: "PS256" })).toThrow("--digest: give exactly one of --digest, --data-file");
    expect(() => buildSignRequest({ name: "k", alg: "PS256", digest: "AA", dataFile: "x" })).toThrow("give exactly one of");
    // --digest-file is the batch form (key-batch.ts): never one request's digest.
    expect(() => buildSignRequest({ name: "k", alg: "PS256", digest: "AA", digestFile: "x" })).toThrow(
      "--digest-file: cannot be combined with --digest or --data-file",
    );
    expect(() => buildSignRequest({ name: "k", alg: "PS257", digest: "AA" })).toThrow(/^--alg: unknown algorithm/);
    expect(() => buildSignRequest({ name: "k", alg: "RSA-OAEP", digest: "AA" })).toThrow("--alg: RSA-OAEP cannot be used to sign");
  });

  it("builds Verify with the signature inline; a signature file goes with --digest-file", () => {
    const signature = new Uint8Array([9, 8, 7]);
    const request = buildVerifyRequest({ name: "k", alg: "ES256", digest: toBase64Url(digest), signature: toBase64Url(signature) });
    expect(request.signature).toEqual(signature);
    expect(Buffer.from(request.digest)).toEqual(digest);
    expect(() => buildVerifyRequest({ name: "k", alg: "ES256", digest: toBase64Url(digest) })).toThrow("--signature: is required");
    expect(() => buildVerifyRequest({ name: "k", alg: "ES256", digest: toBase64Url(digest), signatureFile: "sig" })).toThrow(
      "--signature-file: goes with --digest-file",
    );
  });

  it("builds Encrypt, Decrypt, WrapKey and UnwrapKey from base64url or files", () => {
    const encrypt = buildEncryptRequest({ name: "aes", alg: "A256GCM", value: "aGVsbG8", iv: "AAAAAAAAAAAAAAAA", aad: "YWFk" });
    expect(Buffer.from(encrypt.plaintext).toString()).toBe("hello");
    expect(encrypt.iv.length).toBe(12);
    expect(Buffer.from(encrypt.aad).toString()).toBe("aad");
    const decrypt = buildDecryptRequest(
      { name: "aes", alg: "A256GCM", in: "ct", iv: "AAAAAAAAAAAAAAAA", tag: "AQID" },
      files({ ct: new Uint8Array([5, 6]) }),
    );
    expect(decrypt).toMatchObject({
      algorithm: "A256GCM",
      ciphertext: new Uint8Array([5, 6]),
      tag: new Uint8Array([1, 2, 3]),
      aad: new Uint8Array(),
    });
    expect(buildWrapKeyRequest({ name: "kek", alg: "A256KW", value: "AAECAwQFBgcICQoLDA0ODw" }).key.length).toBe(16);
    expect(buildUnwrapKeyRequest({ name: "rsa", alg: "RSA-OAEP-256", in: "w" }, files({ w: new Uint8Array(256) })).wrappedKey.length).toBe(
      256,
    );
    expect(() => buildEncryptRequest({ name: "k", alg: "ES256", value: "AA" })).toThrow("--alg: ES256 cannot be used to encrypt");
    expect(() => buildWrapKeyRequest({ name: "k", alg: "A256GCM", value: "AA" })).toThrow("--alg: A256GCM cannot be used to wrapKey");
    expect(() => buildEncryptRequest({ name: "k", alg: "A256GCM", value: "AA", iv: "!" })).toThrow("--iv: is not valid base64url");
  });
});

describe("text output", () => {
  const bundle = create(KeyBundleSchema, {
    kid: "https://dev.keyhold.test/keys/signer/0123456789abcdef0123456789abcdef",
    key: create(JsonWebKeySchema, { kty: "RSA-HSM", keyOps: ["sign", "verify"], n: new Uint8Array(256), e: new Uint8Array([1, 0, 1]) }),
    attributes: create(KeyAttributesSchema, {
      enabled: true,
      created: 1_700_000_000n,
      updated: 1_700_000_000n,
      recoveryLevel: "Recoverable",
      recoverableDays: 90,
    }),
    tags: { team: "payments" },
  });

  it("summarizes a key bundle", () => {
    expect(formatKeyBundle(bundle)).toBe(
      [
        "kid:        https://dev.keyhold.test/keys/signer/0123456789abcdef0123456789abcdef",
        "key:        RSA-HSM 2048 bits",
        "key_ops:    sign, verify",
        "enabled:    true",
        "not before: -",
        "expires:    -",
        "created:    2023-11-14T22:13:20.000Z",
        "updated:    2023-11-14T22:13:20.000Z",
        "recovery:   Recoverable (90 days)",
        "tags:       team=payments",
      ].join("\n"),
    );
  });

  it("lists keys one per line and deleted keys with their dates", () => {
    expect(formatKeyList([bundle])).toBe(
      [
        "NAME    VERSION                           KEY                STATE    EXPIRES",
        "signer  0123456789abcdef0123456789abcdef  RSA-HSM 2048 bits  enabled  -",
      ].join("\n"),
    );
    expect(formatKeyList([])).toBe("(no keys)");
    const deleted = create(DeletedKeyBundleSchema, {
      key: bundle,
      recoveryId: "https://dev.keyhold.test/deletedkeys/signer",
      deletedDate: 1_700_000_000n,
      scheduledPurgeDate: 1_707_776_000n,
    });
    expect(formatDeletedKey(deleted)).toBe(
      "signer  deleted 2023-11-14T22:13:20.000Z  purge scheduled 2024-02-12T22:13:20.000Z  recoveryId https://dev.keyhold.test/deletedkeys/signer",
    );
    expect(keyIdParts("https://h/keys/a")).toEqual({ name: "a", version: "" });
  });
});
