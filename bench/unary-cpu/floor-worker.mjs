// The floor server's crypto worker: node:crypto signs each task's digest with a key made at start; nothing of keyhold.
import { constants, createPrivateKey, sign } from "node:crypto";
import { workerData } from "node:worker_threads";

const ec = createPrivateKey(workerData.ec);
const rsa = createPrivateKey(workerData.rsa);

function signOne({ algorithm, digest }) {
  if (algorithm === "ES256") return sign(null, digest, { key: ec, dsaEncoding: "ieee-p1363" });
  return sign("sha256", digest, { key: rsa, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
}

// One message per worker carries every task of a turn, as keyhold's pool sends them.
export default function signAll(tasks) {
  return tasks.map(signOne);
}
