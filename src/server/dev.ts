/**
 * Development mode (SPEC section 11): everything a newcomer needs from the
 * repo alone. dev-bootstrap.ts sets it up once the node is up; this file holds
 * the user `admin` and the banner that tells what was set up and how to use it.
 */
import { basename } from "node:path";
import type { DevSetup } from "./dev-bootstrap.js";
import { DEV_HSM } from "./dev-hsm.js";
import type { RunningNode } from "./node.js";

export function devBanner(node: RunningNode, setup: DevSetup): string {
  const port = node.addresses.https.slice(node.addresses.https.lastIndexOf(":") + 1);
  const loopback = reachable(node.config.https.listen.host);
  const hsmHost = `${setup.hsm.name}.${node.config.keyVault.dnsSuffix}`;
  const vault = `https://${hsmHost}:${port}`;
  const hostsLine = `${loopback} ${hsmHost}`;
  const ca = node.tls?.caPath ?? "(plaintext: --insecure-loopback)";
  const dataDir = node.config.dataDir;
  const sd = setup.securityDomain;
  const rule = "!".repeat(100);
  return [
    "",
    "keyhold is running in DEVELOPMENT mode: a local CA, a tenant 'dev', a user 'admin' and an HSM 'dev'.",
    "The data dir holds development secrets (seal key, CA key, admin password); never use it for real keys.",
    "",
    rule,
    "!! DEVELOPMENT ONLY: the security domain of HSM 'dev' AND ALL THE PRIVATE KEYS THAT RECOVER IT are in",
    `!!   ${sd.directory}`,
    `!! (${sd.privateKeyFiles.map((f) => basename(f)).join(", ")}; any ${sd.required} of them open ${basename(sd.blobFile)}).`,
    "!! Anyone who can read the data dir can recover every key of this HSM. A real HSM's wrapping keys are",
    "!! made offline (keyhold security-domain make-keys) and kept apart, by different people.",
    rule,
    "",
    `  gRPC data plane   ${node.addresses.grpc}`,
    `  HTTPS             https://${node.addresses.https}  (token endpoint: /${node.tenant.id}/oauth2/v2.0/token)`,
    `  metrics           http://${node.addresses.metrics}/metrics`,
    `  CA certificate    ${ca}`,
    `  data dir          ${dataDir}`,
    `  subscription      ${setup.scope.subscriptionId} (dev), resource group ${setup.scope.resourceGroup}`,
    `  HSM               ${setup.hsm.name} (${setup.hsm.activation}; admin is Owner at "/", Administrator, Crypto User and Crypto Officer)`,
    `  Key Vault REST    ${vault}  (Azure SDKs, curl; the HSM's host name needs this /etc/hosts line:`,
    `                    ${hostsLine}, or curl --resolve ${hsmHost}:${port}:${loopback})`,
    "",
    "Get a token for admin (valid 1 hour), then try:",
    "",
    `  export KEYHOLD_TOKEN=$(npx keyhold token --principal admin)`,
    `  npx keyhold key create --hsm-name ${DEV_HSM} --name demo --kty EC --curve P-256`,
    `  npx keyhold key sign --hsm-name ${DEV_HSM} --name demo --alg ES256 --data-file package.json`,
    `  npx keyhold role assignment list --hsm-name ${DEV_HSM}`,
    "",
  ].join("\n");
}

/** The address a local client reaches a listener on: a wildcard listen address is reached on loopback. */
function reachable(host: string): string {
  return host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "::1" : host;
}
