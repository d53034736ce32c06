// The unmodified Azure SDK for JavaScript against keyhold's development server (README "Using the Azure SDKs").
//
//   export KEYHOLD_TOKEN=$(npx keyhold token --principal admin)
//   NODE_EXTRA_CA_CERTS=.keyhold/tls/ca.pem node examples/azure-sdk/sign.mjs
//
// KEYHOLD_VAULT_URL defaults to the dev HSM's own host name, which needs the /etc/hosts line the server prints;
// https://localhost:8443 reaches the same HSM when the server has only one.
import { createHash, createPublicKey, verify } from "node:crypto";
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";

const vaultUrl = process.env.KEYHOLD_VAULT_URL ?? "https://dev.managedhsm.keyhold.local:8443";
const token = process.env.KEYHOLD_TOKEN;
if (!token) throw new Error("Set KEYHOLD_TOKEN: export KEYHOLD_TOKEN=$(npx keyhold token --principal admin)");

// Any TokenCredential works; this one hands the SDK a keyhold data-plane token (audience https://managedhsm.azure.net).
const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 }) };
// keyhold's challenge names resource https://managedhsm.azure.net, which is not a parent of the dev host name.
const options = { disableChallengeResourceVerification: true };

const keys = new KeyClient(vaultUrl, credential, options);
const key = await keys.createEcKey("sdk-example", { curve: "P-256" });
console.log(`created ${key.id} (${key.keyType} ${key.key.crv})`);

const crypto = new CryptographyClient(key.id, credential, options);
const digest = createHash("sha256").update("hello, keyhold").digest();
const { result: signature } = await crypto.sign("ES256", digest);
const { result: valid } = await crypto.verify("ES256", digest, signature);
console.log(`signed with ES256, keyhold says valid=${valid}`);

// The signature is plain r||s (IEEE P1363), verifiable by anyone with the public key.
const jwk = { kty: "EC", crv: "P-256", x: Buffer.from(key.key.x).toString("base64url"), y: Buffer.from(key.key.y).toString("base64url") };
const locally = verify("sha256", Buffer.from("hello, keyhold"), { key: createPublicKey({ key: jwk, format: "jwk" }), dsaEncoding: "ieee-p1363" }, signature);
console.log(`node:crypto says valid=${locally}`);
