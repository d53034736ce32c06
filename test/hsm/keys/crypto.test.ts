/**
 * Every key type, size and curve, created or imported, used with every
 * algorithm it supports, through the pipeline; results checked independently
 * with node:crypto from the returned public JWK (or the known symmetric key).
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type JsonWebKey as NodeJsonWebKey,
  type KeyObject,
} from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALGORITHMS, type AlgorithmSpec } from "../../../src/crypto/index.js";
import { CRYPTO_FAILURE_MESSAGE } from "../../../src/errors.js";
import type { KeyBundle } from "../../../src/hsm/keys/index.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../../helpers/keys.js";
import { expectFailure, keyFixture, versionOf, type KeyFixture } from "./helpers.js";

let f: KeyFixture;
beforeAll(async () => {
  f = await keyFixture({ threads: 2 });
});
afterAll(async () => {
  await f?.close();
});

const NODE_HASH: Record<string, string> = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
const message = (label: string): Buffer => Buffer.from(`keyhold message ${label}`);
const digestOf = (spec: AlgorithmSpec, label: string): Uint8Array =>
  new Uint8Array(createHash(NODE_HASH[spec.hash!]!).update(message(label)).digest());
const algorithms = (pick: (spec: AlgorithmSpec) => boolean): AlgorithmSpec[] => Object.values(ALGORITHMS).filter(pick);
/** Node reads JWK kty RSA and EC; Key Vault's -HSM types name the same keys. */
const publicKeyOf = (bundle: KeyBundle): KeyObject => {
  const { kid: _kid, key_ops: _ops, ...members } = bundle.key;
  const crv = members.crv === "P-256K" ? { crv: "secp256k1" } : {};
  return createPublicKey({ key: { ...members, kty: members.kty.replace(/-HSM$/, ""), ...crv } as NodeJsonWebKey, format: "jwk" });
};

describe("RSA keys", () => {
  const sizes = [2048, 3072, 4096] as const;
  const bundles = new Map<string, KeyBundle>();

  beforeAll(async () => {
    bundles.set("created-2048", await f.call<KeyBundle>("KeyCreate", { name: "rsa-created", kty: "RSA-HSM", keySize: 2048 }));
    for (const size of sizes)
      bundles.set(`imported-${size}`, await f.call<KeyBundle>("KeyImport", { name: `rsa-${size}`, key: RSA_FIXTURES[size] }));
  });

  it("returns the public key only, with kid, kty RSA-HSM and the default key_ops", () => {
    for (const bundle of bundles.values()) {
      expect(Object.keys(bundle.key).sort()).toEqual(["e", "key_ops", "kid", "kty", "n"]);
      expect(bundle.key.kty).toBe("RSA-HSM");
      expect(bundle.key.key_ops).toEqual(["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]);
      expect(bundle.kid).toMatch(/^https:\/\/contoso-hsm\.managedhsm\.keyhold\.test\/keys\/rsa-[a-z0-9]+\/[0-9a-f]{32}$/);
      expect(bundle.attributes).toMatchObject({
        enabled: true,
        exportable: false,
        recoveryLevel: "Recoverable+Purgeable",
        recoverableDays: 90,
      });
      expect(bundle.managed).toBe(false);
    }
    expect(bundles.get("imported-3072")!.key.n).toBe(RSA_FIXTURES[3072].n);
  });

  const signers = algorithms((s) => s.kty === "RSA" && s.operations.includes("sign"));
  it.each(["created-2048", "imported-2048", "imported-3072", "imported-4096"])(
    "%s signs with every RSA algorithm; node:crypto verifies, keyhold verifies node's",
    async (which) => {
      const bundle = bundles.get(which)!;
      const name = bundle.kid.split("/")[4]!;
      const publicKey = publicKeyOf(bundle);
      for (const spec of signers) {
        const digest = digestOf(spec, spec.name);
        const { signature, kid } = await f.call<{ signature: Uint8Array; kid: string }>("KeySign", { name, algorithm: spec.name, digest });
        expect(kid).toBe(bundle.kid);
        const pss = spec.scheme === "RSASSA-PSS";
        const padding = pss
          ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digest.length }
          : { padding: constants.RSA_PKCS1_PADDING };
        expect(nodeVerify(NODE_HASH[spec.hash!]!, message(spec.name), { key: publicKey, ...padding }, signature), spec.name).toBe(true);
        const other = new Uint8Array(signature);
        other[0]! ^= 1;
        expect((await f.call<{ valid: boolean }>("KeyVerify", { name, algorithm: spec.name, digest, signature })).valid).toBe(true);
        expect((await f.call<{ valid: boolean }>("KeyVerify", { name, algorithm: spec.name, digest, signature: other })).valid).toBe(false);
      }
      if (which.startsWith("imported")) {
        const size = Number(which.split("-")[1]) as 2048 | 3072 | 4096;
        const privateKey = createPrivateKey({ key: RSA_FIXTURES[size] as NodeJsonWebKey, format: "jwk" });
        const spec = ALGORITHMS["PS384"]!;
        const signature = nodeSign("sha384", message("node"), {
          key: privateKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 48,
        });
        const valid = await f.call<{ valid: boolean }>("KeyVerify", {
          name,
          algorithm: "PS384",
          digest: digestOf(spec, "node"),
          signature: new Uint8Array(signature),
        });
        expect(valid.valid).toBe(true);
      }
    },
  );

  const oaep = { "RSA-OAEP": "sha1", "RSA-OAEP-256": "sha256" } as Record<string, string>;
  it.each(["imported-2048", "imported-3072", "imported-4096"])(
    "%s encrypts and wraps with every RSA algorithm, both ways with node:crypto",
    async (which) => {
      const bundle = bundles.get(which)!;
      const name = bundle.kid.split("/")[4]!;
      const size = Number(which.split("-")[1]) as 2048 | 3072 | 4096;
      const privateKey = createPrivateKey({ key: RSA_FIXTURES[size] as NodeJsonWebKey, format: "jwk" });
      const publicKey = publicKeyOf(bundle);
      for (const spec of algorithms((s) => s.kty === "RSA" && s.operations.includes("encrypt"))) {
        const plaintext = new Uint8Array(randomBytes(32));
        const nodePadding =
          spec.name === "RSA1_5"
            ? { padding: constants.RSA_PKCS1_PADDING }
            : { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaep[spec.name]! };
        const { ciphertext } = await f.call<{ ciphertext: Uint8Array }>("KeyEncrypt", { name, algorithm: spec.name, plaintext });
        expect(ciphertext.length).toBe(size / 8);
        // Node refuses PKCS#1 v1.5 decryption (CVE-2023-46809), so RSA1_5 is checked by keyhold's own decrypt.
        if (spec.name !== "RSA1_5")
          expect(new Uint8Array(privateDecrypt({ key: privateKey, ...nodePadding }, ciphertext))).toEqual(plaintext);
        expect((await f.call<{ plaintext: Uint8Array }>("KeyDecrypt", { name, algorithm: spec.name, ciphertext })).plaintext).toEqual(
          plaintext,
        );
        const fromNode = new Uint8Array(publicEncrypt({ key: publicKey, ...nodePadding }, plaintext));
        expect(
          (await f.call<{ plaintext: Uint8Array }>("KeyDecrypt", { name, algorithm: spec.name, ciphertext: fromNode })).plaintext,
        ).toEqual(plaintext);

        const { wrappedKey } = await f.call<{ wrappedKey: Uint8Array }>("KeyWrap", { name, algorithm: spec.name, key: plaintext });
        expect((await f.call<{ key: Uint8Array }>("KeyUnwrap", { name, algorithm: spec.name, wrappedKey })).key).toEqual(plaintext);
        if (spec.name !== "RSA1_5")
          expect(new Uint8Array(privateDecrypt({ key: privateKey, ...nodePadding }, wrappedKey))).toEqual(plaintext);
      }
    },
  );

  it("answers a damaged ciphertext with the one generic CryptoFailure", async () => {
    const { ciphertext } = await f.call<{ ciphertext: Uint8Array }>("KeyEncrypt", {
      name: "rsa-2048",
      algorithm: "RSA-OAEP-256",
      plaintext: new Uint8Array(16),
    });
    const damaged = new Uint8Array(ciphertext);
    damaged[10]! ^= 0x40;
    const error = await expectFailure(
      f.call("KeyDecrypt", { name: "rsa-2048", algorithm: "RSA-OAEP-256", ciphertext: damaged }),
      "CryptoFailure",
    );
    expect(error.message).toBe(CRYPTO_FAILURE_MESSAGE);
    await expectFailure(f.call("KeyUnwrap", { name: "rsa-2048", algorithm: "RSA-OAEP", wrappedKey: damaged }), "CryptoFailure");
  });
});

describe("EC keys", () => {
  const curves = ["P-256", "P-256K", "P-384", "P-521"] as const;

  it.each(curves)("%s: created and imported keys sign with their algorithm; node:crypto verifies (r‖s)", async (crv) => {
    const spec = algorithms((s) => s.curve === crv)[0]!;
    const created = await f.call<KeyBundle>("KeyCreate", { name: `ec-${crv}`, kty: "EC-HSM", crv });
    expect(created.key).toMatchObject({ kty: "EC-HSM", crv, key_ops: ["sign", "verify"] });
    expect(Object.keys(created.key).sort()).toEqual(["crv", "key_ops", "kid", "kty", "x", "y"]);
    const imported = await f.call<KeyBundle>("KeyImport", { name: `ec-${crv}-imported`, key: EC_FIXTURES[crv] });
    expect(imported.key.x).toBe(EC_FIXTURES[crv].x);
    for (const bundle of [created, imported]) {
      const name = bundle.kid.split("/")[4]!;
      const digest = digestOf(spec, crv);
      const { signature } = await f.call<{ signature: Uint8Array }>("KeySign", { name, algorithm: spec.name, digest });
      expect(signature.length).toBe({ "P-256": 64, "P-256K": 64, "P-384": 96, "P-521": 132 }[crv]);
      expect(nodeVerify(NODE_HASH[spec.hash!]!, message(crv), { key: publicKeyOf(bundle), dsaEncoding: "ieee-p1363" }, signature)).toBe(
        true,
      );
      expect((await f.call<{ valid: boolean }>("KeyVerify", { name, algorithm: spec.name, digest, signature })).valid).toBe(true);
    }
    const nodeSignature = nodeSign(NODE_HASH[spec.hash!]!, message("node"), {
      key: createPrivateKey({ key: { ...EC_FIXTURES[crv], crv: crv === "P-256K" ? "secp256k1" : crv } as NodeJsonWebKey, format: "jwk" }),
      dsaEncoding: "ieee-p1363",
    });
    const name = `ec-${crv}-imported`;
    expect(
      (
        await f.call<{ valid: boolean }>("KeyVerify", {
          name,
          algorithm: spec.name,
          digest: digestOf(spec, "node"),
          signature: new Uint8Array(nodeSignature),
        })
      ).valid,
    ).toBe(true);
    expect(
      (
        await f.call<{ valid: boolean }>("KeyVerify", {
          name,
          algorithm: spec.name,
          digest: digestOf(spec, "other"),
          signature: new Uint8Array(nodeSignature),
        })
      ).valid,
    ).toBe(false);
  });

  it("refuses encryption with an EC key, and a curve's algorithm on another curve", async () => {
    await expectFailure(
      f.call("KeyEncrypt", { name: "ec-P-256", algorithm: "RSA-OAEP", plaintext: new Uint8Array(8) }),
      "OperationNotAllowed",
    );
    await expectFailure(
      f.call("KeySign", { name: "ec-P-256", algorithm: "ES384", digest: new Uint8Array(48) }),
      "BadParameter",
      "algorithm",
    );
  });
});

describe("oct keys", () => {
  const sizes = [128, 192, 256] as const;
  const secrets = new Map<number, Buffer>();

  beforeAll(async () => {
    for (const bits of sizes) {
      const k = randomBytes(bits / 8);
      secrets.set(bits, k);
      const bundle = await f.call<KeyBundle>("KeyImport", { name: `oct-${bits}`, key: { kty: "oct-HSM", k: k.toString("base64url") } });
      expect(Object.keys(bundle.key).sort()).toEqual(["key_ops", "kid", "kty"]);
      expect(bundle.key.kty).toBe("oct-HSM");
    }
  });

  it.each(sizes)("AES-%i: every GCM, CBC, CBCPAD, KW and KWP algorithm agrees with node:crypto both ways", async (bits) => {
    const name = `oct-${bits}`;
    const k = secrets.get(bits)!;
    for (const spec of algorithms((s) => s.kty === "oct" && (s.keyBits === undefined || s.keyBits === bits) && s.scheme !== "HMAC")) {
      if (spec.scheme === "AES-GCM") {
        const plaintext = new Uint8Array(randomBytes(100));
        const aad = new Uint8Array(randomBytes(20));
        const out = await f.call<{ ciphertext: Uint8Array; iv: Uint8Array; tag: Uint8Array }>("KeyEncrypt", {
          name,
          algorithm: spec.name,
          plaintext,
          aad,
        });
        expect(out.iv.length).toBe(12);
        const decipher = createDecipheriv(`aes-${bits}-gcm`, k, out.iv).setAAD(aad).setAuthTag(out.tag);
        expect(new Uint8Array(Buffer.concat([decipher.update(out.ciphertext), decipher.final()]))).toEqual(plaintext);
        const iv = randomBytes(12);
        const cipher = createCipheriv(`aes-${bits}-gcm`, k, iv).setAAD(aad);
        const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        const back = await f.call<{ plaintext: Uint8Array }>("KeyDecrypt", {
          name,
          algorithm: spec.name,
          ciphertext,
          iv,
          aad,
          tag: cipher.getAuthTag(),
        });
        expect(back.plaintext).toEqual(plaintext);
        const badTag = Buffer.from(cipher.getAuthTag());
        badTag[0]! ^= 1;
        await expectFailure(f.call("KeyDecrypt", { name, algorithm: spec.name, ciphertext, iv, aad, tag: badTag }), "CryptoFailure");
      } else if (spec.scheme === "AES-CBC" || spec.scheme === "AES-CBC-PAD") {
        const padded = spec.scheme === "AES-CBC-PAD";
        const plaintext = new Uint8Array(randomBytes(padded ? 37 : 48));
        const iv = randomBytes(16);
        const out = await f.call<{ ciphertext: Uint8Array }>("KeyEncrypt", { name, algorithm: spec.name, plaintext, iv });
        const decipher = createDecipheriv(`aes-${bits}-cbc`, k, iv).setAutoPadding(padded);
        expect(new Uint8Array(Buffer.concat([decipher.update(out.ciphertext), decipher.final()]))).toEqual(plaintext);
        const cipher = createCipheriv(`aes-${bits}-cbc`, k, iv).setAutoPadding(padded);
        const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        expect((await f.call<{ plaintext: Uint8Array }>("KeyDecrypt", { name, algorithm: spec.name, ciphertext, iv })).plaintext).toEqual(
          plaintext,
        );
      } else {
        const pad = spec.scheme === "AES-KWP";
        const keyToWrap = new Uint8Array(randomBytes(pad ? 20 : 32));
        const nodeCipher = `id-aes${bits}-wrap${pad ? "-pad" : ""}`;
        const nodeIv = Buffer.from(pad ? "A65959A6" : "A6A6A6A6A6A6A6A6", "hex");
        const { wrappedKey } = await f.call<{ wrappedKey: Uint8Array }>("KeyWrap", { name, algorithm: spec.name, key: keyToWrap });
        const unwrapper = createDecipheriv(nodeCipher, k, nodeIv);
        expect(new Uint8Array(Buffer.concat([unwrapper.update(wrappedKey), unwrapper.final()]))).toEqual(keyToWrap);
        const wrapper = createCipheriv(nodeCipher, k, nodeIv);
        const fromNode = Buffer.concat([wrapper.update(keyToWrap), wrapper.final()]);
        expect((await f.call<{ key: Uint8Array }>("KeyUnwrap", { name, algorithm: spec.name, wrappedKey: fromNode })).key).toEqual(
          keyToWrap,
        );
        const damaged = Buffer.from(fromNode);
        damaged[3]! ^= 1;
        await expectFailure(f.call("KeyUnwrap", { name, algorithm: spec.name, wrappedKey: damaged }), "CryptoFailure");
      }
    }
  });

  it.each(sizes)("AES-%i key: HS256, HS384 and HS512 match node's HMAC", async (bits) => {
    const name = `oct-${bits}`;
    for (const spec of algorithms((s) => s.scheme === "HMAC")) {
      const digest = digestOf(spec, spec.name);
      const { signature } = await f.call<{ signature: Uint8Array }>("KeySign", { name, algorithm: spec.name, digest });
      expect(signature).toEqual(new Uint8Array(createHmac(NODE_HASH[spec.hash!]!, secrets.get(bits)!).update(digest).digest()));
      expect((await f.call<{ valid: boolean }>("KeyVerify", { name, algorithm: spec.name, digest, signature })).valid).toBe(true);
    }
  });

  it("creates oct keys of each size that work, 256 bits by default", async () => {
    const made = await f.call<KeyBundle>("KeyCreate", { name: "oct-created", kty: "oct-HSM" });
    const plaintext = new Uint8Array(randomBytes(64));
    const out = await f.call<{ ciphertext: Uint8Array; iv: Uint8Array; tag: Uint8Array }>("KeyEncrypt", {
      name: "oct-created",
      algorithm: "A256GCM",
      plaintext,
    });
    expect(
      (await f.call<{ plaintext: Uint8Array }>("KeyDecrypt", { name: "oct-created", algorithm: "A256GCM", ...out })).plaintext,
    ).toEqual(plaintext);
    await expectFailure(f.call("KeyEncrypt", { name: "oct-created", algorithm: "A128GCM", plaintext }), "BadParameter", "algorithm");
    for (const keySize of [128, 192]) {
      await f.call("KeyCreate", { name: `oct-created-${keySize}`, kty: "oct", keySize });
      const alg = `A${keySize}KW`;
      const { wrappedKey } = await f.call<{ wrappedKey: Uint8Array }>("KeyWrap", {
        name: `oct-created-${keySize}`,
        algorithm: alg,
        key: new Uint8Array(16),
      });
      expect((await f.call<{ key: Uint8Array }>("KeyUnwrap", { name: `oct-created-${keySize}`, algorithm: alg, wrappedKey })).key).toEqual(
        new Uint8Array(16),
      );
    }
    expect(versionOf(made.kid)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("audit", () => {
  it("records key name, version and algorithm of crypto calls, never digests or plaintexts", async () => {
    const digest = new Uint8Array(createHash("sha256").update("audited").digest());
    await f.call("KeySign", { name: "rsa-2048", algorithm: "PS256", digest });
    const events = await f.core.events();
    const sign = events.filter((e) => e.operationName === "KeySign").at(-1)!;
    expect(sign.properties).toMatchObject({
      keyName: "rsa-2048",
      algorithm: "PS256",
      dataAction: "Microsoft.KeyVault/managedHsm/keys/sign/action",
      scope: "/keys/rsa-2048",
    });
    const journal = await f.core.journalBytes();
    expect(journal.includes(Buffer.from(digest).toString("base64"))).toBe(false);
    expect(journal.includes(Buffer.from(digest).toString("base64url"))).toBe(false);
    expect(journal.includes(Buffer.from(digest).toString("hex"))).toBe(false);
  });
});
