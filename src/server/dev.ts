/**
 * Development mode (SPEC section 11): everything a newcomer needs from the
 * repo alone. On first start it creates the tenant `dev`, the user `admin`
 * (directory administrator) and the HSM `dev` with `admin` as its initial
 * administrator, plus Crypto User and Crypto Officer at "/" so the printed
 * examples work. Later starts reuse all of it.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MANAGED_HSM_CRYPTO_OFFICER, MANAGED_HSM_CRYPTO_USER } from "../authz/index.js";
import type { HsmConfig, KeyholdConfig } from "../config/index.js";
import type { Directory } from "../identity/index.js";
import type { PrincipalRecord, TenantRecord } from "../store/records.js";
import type { Store } from "../store/index.js";
import { configuredHsmId, ensureAssignments } from "./hsm-bootstrap.js";
import type { RunningNode } from "./node.js";

export const DEV_TENANT = "dev";
export const DEV_ADMIN = "admin";
export const DEV_HSM = "dev";

/** The HSM `dev` unless the configuration declares HSMs of its own. */
export function withDevDefaults(config: KeyholdConfig): KeyholdConfig {
  if (config.hsms.length > 0) return config;
  const hsm: HsmConfig = {
    name: DEV_HSM,
    initialAdminObjectIds: [DEV_ADMIN],
    softDeleteRetentionInDays: 7,
    enablePurgeProtection: false,
    networkAcls: { defaultAction: "Allow", ipRules: [] },
    publicNetworkAccess: "Enabled",
  };
  return { ...config, hsms: [hsm] };
}

/** Creates `admin` once; its password goes to a 0600 file in the data dir, never to the terminal or the log. */
export async function ensureDevAdmin(dataDir: string, directory: Directory, tenant: TenantRecord): Promise<PrincipalRecord> {
  const existing = await directory.findPrincipal(tenant.id, DEV_ADMIN).catch(() => undefined);
  const passwordFile = join(dataDir, "dev-admin-password");
  const admin = existing ?? (await directory.createUser(tenant.id, {
    userPrincipalName: DEV_ADMIN,
    displayName: "Development administrator",
    password: existsSync(passwordFile) ? readFileSync(passwordFile, "utf8").trim() : writeNewPassword(passwordFile),
    enabled: true,
  }));
  if (!(await directory.isDirectoryAdministrator(tenant.id, admin.id))) await directory.addDirectoryAdministrator(tenant.id, admin.id);
  return admin;
}

function writeNewPassword(file: string): string {
  const password = randomBytes(18).toString("base64url");
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

export async function grantDevRoles(store: Store, tenant: TenantRecord, admin: PrincipalRecord): Promise<void> {
  const hsmId = configuredHsmId(tenant.id, DEV_HSM);
  await ensureAssignments(store, hsmId, [admin.id], MANAGED_HSM_CRYPTO_USER.id);
  await ensureAssignments(store, hsmId, [admin.id], MANAGED_HSM_CRYPTO_OFFICER.id);
}

export function devBanner(node: RunningNode): string {
  const ca = node.tls?.caPath ?? "(plaintext: --insecure-loopback)";
  const dataDir = node.config.dataDir;
  return [
    "",
    "keyhold is running in DEVELOPMENT mode: a local CA, a tenant 'dev', a user 'admin' and an HSM 'dev'.",
    "The data dir holds development secrets (seal key, CA key, admin password); never use it for real keys.",
    "",
    `  gRPC data plane   ${node.addresses.grpc}`,
    `  HTTPS             https://${node.addresses.https}  (token endpoint: /${node.tenant.id}/oauth2/v2.0/token)`,
    `  metrics           http://${node.addresses.metrics}/metrics`,
    `  CA certificate    ${ca}`,
    `  data dir          ${dataDir}`,
    "",
    "Get a token for admin (valid 1 hour), then try:",
    "",
    `  export KEYHOLD_TOKEN=$(npx keyhold token --principal admin)`,
    `  npx keyhold key create --hsm-name dev --name demo --kty EC --curve P-256`,
    `  npx keyhold key sign --hsm-name dev --name demo --alg ES256 --data-file package.json`,
    `  npx keyhold role assignment list --hsm-name dev`,
    "",
  ].join("\n");
}
