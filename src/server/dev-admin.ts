/** The development administrator `admin` of `serve --dev`. */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Directory } from "../identity/index.js";
import type { PrincipalRecord, TenantRecord } from "../store/records.js";

const DEV_ADMIN = "admin";

/** Creates `admin` once; its password goes to a 0600 file in the data dir, never to the terminal or the log. */
export async function ensureDevAdmin(dataDir: string, directory: Directory, tenant: TenantRecord): Promise<PrincipalRecord> {
  const existing = await directory.findPrincipal(tenant.id, DEV_ADMIN).catch(() => undefined);
  const passwordFile = join(dataDir, "dev-admin-password");
  const admin =
    existing ??
    (await directory.createUser(tenant.id, {
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
