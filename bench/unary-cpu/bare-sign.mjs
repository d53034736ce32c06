// node:crypto's CPU per sign in one thread, the "bare" figure of README "Where the time goes": ES256 (crypto.sign with
// a P-256 key, IEEE P1363 signature) and PS256 (RSA 2048, PSS, salt 32) over a SHA-256 digest, CPU from process.cpuUsage.
import { constants, createHash, generateKeyPairSync, sign } from "node:crypto";

const runs = Number(process.argv[2] ?? 20_000);
const digest = createHash("sha256").update("keyhold").digest();
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;

function cpuPerCall(work, count) {
  for (let i = 0; i < 200; i++) work();
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) work();
  const used = process.cpuUsage(start);
  return Math.round(((used.user + used.system) / count) * 10) / 10;
}

const es256 = cpuPerCall(() => sign(null, digest, { key: ec, dsaEncoding: "ieee-p1363" }), runs);
const ps256 = cpuPerCall(
  () => sign("sha256", digest, { key: rsa, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
  Math.round(runs / 8),
);
console.log(JSON.stringify({ es256, ps256 }));
