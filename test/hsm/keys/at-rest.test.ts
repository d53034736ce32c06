/** Keys at rest: nothing private in the store's files, blobs bound to their place, the node seal and domain secrets. */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyholdError } from "../../../src/errors.js";
import { openPrivateJwk, sealPrivateJwk } from "../../../src/hsm/keys/at-rest.js";
import { ensureHsmDomain, openNodeSeal, type KeyBundle } from "../../../src/hsm/keys/index.js";
import { openMemoryStore, STORE_FILE_NAME } from "../../../src/store/index.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../../helpers/keys.js";
import { keyFixture, versionOf, type KeyFixture } from "./helpers.js";

const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };

let f: KeyFixture;
beforeAll(async () => {
  f = await keyFixture({ fileStore: true });
});
afterAll(async () => {
  await f?.close();
});

async function storeFiles(): Promise<Buffer> {
  const names = (await readdir(f.dataDir)).filter((name) => name.startsWith(STORE_FILE_NAME));
  expect(names).toContain(STORE_FILE_NAME);
  return Buffer.concat(await Promise.all(names.map((name) => readFile(join(f.dataDir, name)))));
}

describe("the SQLite files", () => {
  it("contain no private key member, neither as bytes nor as base64url", async () => {
    const octSecret = randomBytes(32);
    await f.call("KeyImport", { name: "rsa-secret", key: RSA_FIXTURES[2048] });
    await f.call("KeyImport", { name: "ec-secret", key: EC_FIXTURES["P-256"] });
    await f.call("KeyImport", { name: "oct-secret", key: { kty: "oct", k: octSecret.toString("base64url") } });
    await f.call("KeyCreate", { name: "rsa-made", kty: "RSA", keySize: 2048 });
    const files = await storeFiles();
    const rsa = RSA_FIXTURES[2048];
    const secrets = [rsa.d!, rsa.p!, rsa.q!, rsa.dp!, rsa.dq!, EC_FIXTURES["P-256"].d!, octSecret.toString("base64url")];
    for (const member of secrets) {
      expect(files.includes(member)).toBe(false);
      expect(files.includes(Buffer.from(member, "base64url"))).toBe(false);
      expect(files.includes(Buffer.from(member, "base64url").toString("base64"))).toBe(false);
    }
    // The public members are stored in the clear, so the search would have found private ones written the same way.
    expect(files.includes(rsa.n!)).toBe(true);
  });

  it("a sealed blob moved to another version does not open there", async () => {
    const a = await f.call<KeyBundle>("KeyImport", { name: "moved", key: EC_FIXTURES["P-384"] });
    const b = await f.call<KeyBundle>("KeyImport", { name: "moved", key: EC_FIXTURES["P-384"] });
    const db = new Database(join(f.dataDir, STORE_FILE_NAME));
    try {
      const sealedA = (
        db.prepare("SELECT sealed_private_jwk FROM key_versions WHERE name = ? AND version = ?").get("moved", versionOf(a.kid)) as {
          sealed_private_jwk: Buffer;
        }
      ).sealed_private_jwk;
      db.prepare("UPDATE key_versions SET sealed_private_jwk = ? WHERE name = ? AND version = ?").run(sealedA, "moved", versionOf(b.kid));
    } finally {
      db.close();
    }
    const error = await f
      .call("KeySign", { name: "moved", version: versionOf(b.kid), algorithm: "ES384", digest: new Uint8Array(48) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyholdError);
    expect((error as KeyholdError).code).toBe("InternalError");
    const signed = await f.call<{ kid: string }>("KeySign", {
      name: "moved",
      version: versionOf(a.kid),
      algorithm: "ES384",
      digest: new Uint8Array(48),
    });
    expect(signed.kid).toBe(a.kid);
  });

  it("binds sealed material to HSM, name and version (AAD)", async () => {
    const domain = await f.domains.get(f.core.hsm.id);
    const id = { hsmId: f.core.hsm.id, name: "bound", version: "a".repeat(32) };
    const sealed = sealPrivateJwk(domain, id, EC_FIXTURES["P-256"]);
    expect(openPrivateJwk(domain, id, sealed)).toEqual(EC_FIXTURES["P-256"]);
    for (const other of [
      { ...id, version: "b".repeat(32) },
      { ...id, name: "Bound" },
      { ...id, hsmId: "another" },
    ]) {
      expect(() => openPrivateJwk(domain, other, sealed)).toThrow(/integrity check/);
    }
  });
});

describe("the node seal and domain secrets", () => {
  it("makes seal.key with mode 0600 once and keeps the same domain across restarts", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-seal-"));
    const store = await openMemoryStore();
    const seal = openNodeSeal({ dataDir, passphrase: undefined });
    expect(seal.kind).toBe("keyFile");
    expect((await stat(join(dataDir, "seal.key"))).mode & 0o777).toBe(0o600);
    const first = await ensureHsmDomain(store, seal, "hsm-1");
    const again = await ensureHsmDomain(store, openNodeSeal({ dataDir, passphrase: undefined }), "hsm-1");
    expect(again.fingerprint).toEqual(first.fingerprint);
    expect((await ensureHsmDomain(store, seal, "hsm-2")).fingerprint).not.toEqual(first.fingerprint);
    const otherNode = openNodeSeal({ dataDir: await mkdtemp(join(tmpdir(), "keyhold-seal-")), passphrase: undefined });
    await expect(ensureHsmDomain(store, otherNode, "hsm-1")).rejects.toThrow(/cannot be unsealed/);
    await store.close();
  });

  it("derives the seal from a passphrase with a stored salt, and refuses a wrong passphrase", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-seal-"));
    const store = await openMemoryStore();
    const seal = openNodeSeal({ dataDir, passphrase: "correct horse battery staple", scrypt: CHEAP_SCRYPT });
    expect(seal.kind).toBe("passphrase");
    const first = await ensureHsmDomain(store, seal, "hsm-p");
    const reopened = openNodeSeal({ dataDir, passphrase: "correct horse battery staple", scrypt: CHEAP_SCRYPT });
    expect((await ensureHsmDomain(store, reopened, "hsm-p")).fingerprint).toEqual(first.fingerprint);
    expect(() => openNodeSeal({ dataDir, passphrase: "wrong horse", scrypt: CHEAP_SCRYPT })).toThrow(/passphrase/);
    const kdf = await readFile(join(dataDir, "seal.kdf.json"), "utf8");
    expect(kdf.includes("correct horse")).toBe(false);
    await store.close();
  });
});
