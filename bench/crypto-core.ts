/**
 * Crypto core throughput, beside raw node:crypto, @noble/curves and
 * node-forge in the same run. `npm run bench` prints it; figures, not tests.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { decrypt, encrypt, generateKey, sign, signBatch, unwrapKey, verify, wrapKey } from "../src/crypto/index.js";
import { NOBLE_CURVES } from "../src/crypto/ec/curves.js";
import { ALGORITHMS, NODE_HASH } from "../src/crypto/algorithms.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../test/helpers/keys.js";
import { nodePrivateKey } from "../test/helpers/node-keys.js";
import { type BenchTask, runGroup } from "./harness.js";

// node-forge is CommonJS whose typings declare no default export.
const forge = createRequire(import.meta.url)("node-forge") as typeof import("node-forge");

const message = new TextEncoder().encode("keyhold benchmark message");
const sha256 = new Uint8Array(createHash("sha256").update(message).digest());

async function rsaGroups(): Promise<void> {
  for (const bits of [2048, 3072, 4096] as const) {
    const jwk = RSA_FIXTURES[bits];
    const privateKey = nodePrivateKey(jwk);
    const publicKey = createPublicKey(privateKey);
    const pss = { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    const signature = await sign("PS256", jwk, sha256);
    const tasks: BenchTask[] = [
      { name: "node:crypto PS256 sign", fn: () => nodeSign("sha256", message, pss) },
      { name: "core PS256 sign [native]", fn: () => sign("PS256", jwk, sha256, { provider: "native" }) },
      { name: "core PS256 sign [wasm]", fn: () => sign("PS256", jwk, sha256, { provider: "wasm" }) },
      { name: "core RS256 sign [native]", fn: () => sign("RS256", jwk, sha256, { provider: "native" }) },
    ];
    if (bits === 2048) {
      const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ format: "pem", type: "pkcs1" }) as string);
      tasks.push({
        name: "node-forge RS256 sign",
        fn: () => {
          const md = forge.md.sha256.create();
          md.update(Buffer.from(message).toString("binary"));
          return forgeKey.sign(md);
        },
      });
    }
    await runGroup(`RSA-${bits} sign`, tasks, "node:crypto PS256 sign");
    await runGroup(
      `RSA-${bits} verify`,
      [
        {
          name: "node:crypto PS256 verify",
          fn: () => nodeVerify("sha256", message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature),
        },
        { name: "core PS256 verify [native]", fn: () => verify("PS256", jwk, sha256, signature, { provider: "native" }) },
        { name: "core PS256 verify [wasm]", fn: () => verify("PS256", jwk, sha256, signature, { provider: "wasm" }) },
      ],
      "node:crypto PS256 verify",
    );
    const dek = randomBytes(32);
    const { ciphertext } = await encrypt("RSA-OAEP-256", jwk, dek);
    const oaep = { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" };
    await runGroup(
      `RSA-${bits} RSA-OAEP-256`,
      [
        { name: "node:crypto decrypt", fn: () => privateDecrypt(oaep, ciphertext) },
        { name: "core decrypt [native]", fn: () => decrypt("RSA-OAEP-256", jwk, ciphertext, { provider: "native" }) },
        { name: "core decrypt [wasm]", fn: () => decrypt("RSA-OAEP-256", jwk, ciphertext, { provider: "wasm" }) },
        { name: "core unwrap RSA1_5 [native]", fn: () => unwrapKey("RSA1_5", jwk, ciphertext, { provider: "native" }) },
        {
          name: "node:crypto encrypt",
          fn: () => publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, dek),
        },
        { name: "core encrypt [native]", fn: () => encrypt("RSA-OAEP-256", jwk, dek, { provider: "native" }) },
        { name: "core wrap [native]", fn: () => wrapKey("RSA-OAEP-256", jwk, dek, { provider: "native" }) },
      ],
      "node:crypto decrypt",
    );
  }
}

/** Every ECDSA algorithm of the registry, with its curve's fixture key and node:crypto hash name. */
const EC_CASES = Object.values(ALGORITHMS).flatMap((spec) =>
  spec.scheme === "ECDSA" ? [{ alg: spec.name, curve: spec.curve, jwk: EC_FIXTURES[spec.curve], hash: NODE_HASH[spec.hash] }] : [],
);

/** Digests per signBatch call in the batch rows (the size `keyhold load --batch 64` sends). */
const BATCH = 64;

async function ecGroups(): Promise<void> {
  for (const { alg, curve, jwk, hash } of EC_CASES) {
    const privateKey = nodePrivateKey(jwk);
    const publicKey = createPublicKey(privateKey);
    const digest = new Uint8Array(createHash(hash).update(message).digest());
    const noble = NOBLE_CURVES[curve];
    const secret = new Uint8Array(Buffer.from(jwk.d!, "base64url"));
    const point = noble.getPublicKey(secret, false);
    const signature = await sign(alg, jwk, digest);
    const p1363 = { key: privateKey, dsaEncoding: "ieee-p1363" as const };
    const batch = Array.from({ length: BATCH }, (_, i) => new Uint8Array(createHash(hash).update(`${i}`).digest()));
    await runGroup(
      `${alg} sign`,
      [
        { name: "node:crypto sign (hashes)", fn: () => nodeSign(hash, message, p1363) },
        { name: "@noble/curves sign", fn: () => noble.sign(digest, secret, { prehash: false }) },
        { name: "core sign [native]", fn: () => sign(alg, jwk, digest, { provider: "native" }) },
        { name: "core sign [noble]", fn: () => sign(alg, jwk, digest, { provider: "noble" }) },
        ...(["native", "noble"] as const).map((provider) => ({
          name: `core signBatch of ${BATCH}, per item [${provider}]`,
          fn: () => signBatch(alg, jwk, batch, { provider }),
          items: BATCH,
        })),
      ],
      "node:crypto sign (hashes)",
    );
    await runGroup(
      `${alg} verify`,
      [
        {
          name: "node:crypto verify (hashes)",
          fn: () => nodeVerify(hash, message, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature),
        },
        { name: "@noble/curves verify", fn: () => noble.verify(signature, digest, point, { prehash: false, lowS: false }) },
        { name: "core verify [native]", fn: () => verify(alg, jwk, digest, signature, { provider: "native" }) },
        { name: "core verify [noble]", fn: () => verify(alg, jwk, digest, signature, { provider: "noble" }) },
      ],
      "node:crypto verify (hashes)",
    );
  }
}

async function symmetricGroups(): Promise<void> {
  const jwk = await generateKey("oct", { size: 256 });
  const key = Buffer.from(jwk.k!, "base64url");
  const plaintext = randomBytes(1024);
  const iv = randomBytes(12);
  const sealed = await encrypt("A256GCM", jwk, plaintext, { iv });
  await runGroup(
    "A256GCM 1 KiB",
    [
      {
        name: "node:crypto encrypt",
        fn: () => {
          const c = createCipheriv("aes-256-gcm", key, iv);
          c.update(plaintext);
          c.final();
          return c.getAuthTag();
        },
      },
      { name: "core encrypt", fn: () => encrypt("A256GCM", jwk, plaintext) },
      {
        name: "node:crypto decrypt",
        fn: () => {
          const d = createDecipheriv("aes-256-gcm", key, iv);
          d.setAuthTag(sealed.tag!);
          d.update(sealed.ciphertext);
          return d.final();
        },
      },
      { name: "core decrypt", fn: () => decrypt("A256GCM", jwk, sealed.ciphertext, { iv, tag: sealed.tag }) },
    ],
    "node:crypto encrypt",
  );
  const dek = randomBytes(32);
  const wrapped = await wrapKey("A256KW", jwk, dek);
  await runGroup(
    "A256KW and HS256",
    [
      {
        name: "node:crypto id-aes256-wrap",
        fn: () => {
          const c = createCipheriv("id-aes256-wrap", key, Buffer.from("a6a6a6a6a6a6a6a6", "hex"));
          return Buffer.concat([c.update(dek), c.final()]);
        },
      },
      { name: "core wrap A256KW", fn: () => wrapKey("A256KW", jwk, dek) },
      { name: "core unwrap A256KW", fn: () => unwrapKey("A256KW", jwk, wrapped) },
      { name: "core wrap CKM_AES_KEY_WRAP_PAD", fn: () => wrapKey("CKM_AES_KEY_WRAP_PAD", jwk, dek) },
      { name: "node:crypto HMAC-SHA256", fn: () => createHmac("sha256", key).update(sha256).digest() },
      { name: "core sign HS256", fn: () => sign("HS256", jwk, sha256) },
    ],
    "node:crypto id-aes256-wrap",
  );
}

export async function runCryptoCoreBench(): Promise<void> {
  await rsaGroups();
  await ecGroups();
  await symmetricGroups();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runCryptoCoreBench();
