/**
 * The node's own signing key (EC P-256), which signs audit checkpoints. It is
 * made on first start and kept in `<dataDir>/node/audit-signing-key.pem`
 * (mode 0600); `keyhold audit verify --trusted-key` takes its public half.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function nodeKeyPaths(dataDir: string): { privateKey: string; publicKey: string } {
  const dir = join(dataDir, "node");
  return { privateKey: join(dir, "audit-signing-key.pem"), publicKey: join(dir, "audit-signing-key.pub.pem") };
}

export function loadOrCreateNodeSigningKey(dataDir: string): KeyObject {
  const paths = nodeKeyPaths(dataDir);
  if (existsSync(paths.privateKey)) return createPrivateKey(readFileSync(paths.privateKey, "utf8"));
  mkdirSync(join(dataDir, "node"), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  writeFileSync(paths.privateKey, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" });
  writeFileSync(paths.publicKey, createPublicKey(privateKey).export({ format: "pem", type: "spki" }), { mode: 0o644 });
  return privateKey;
}
