/**
 * The node's own signing key (EC P-256), which signs audit checkpoints. It is
 * made on first start and kept in `<dataDir>/node/audit-signing-key.pem`
 * (mode 0600); `keyhold audit verify --trusted-key` takes its public half.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function nodeKeyPaths(dataDir: string): { privateKey: string; publicKey: string } {
  const dir = join(dataDir, "node");
  return { privateKey: join(dir, "audit-signing-key.pem"), publicKey: join(dir, "audit-signing-key.pub.pem") };
}

export function loadOrCreateNodeSigningKey(dataDir: string): KeyObject {
  const paths = nodeKeyPaths(dataDir);
  if (existsSync(paths.privateKey)) return createPrivateKey(readFileSync(paths.privateKey, "utf8"));
  mkdirSync(join(dataDir, "node"), { recursive: true, mode: 0o700 });
  // Encoded by the generator and parsed again: a KeyObject that key generation returned is never exported or
  // kept (see src/crypto/generate-private-key.ts).
  const { privateKey, publicKey } = generateKeyPairSync("ec", {
    namedCurve: "P-256",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  writeFileSync(paths.privateKey, privateKey, { mode: 0o600, flag: "wx" });
  writeFileSync(paths.publicKey, publicKey, { mode: 0o644 });
  return createPrivateKey(privateKey);
}
