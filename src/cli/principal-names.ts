/**
 * Principals named by name where the CLI asks for an object id (`--administrators`, `--assignee`, `--principal`):
 * resolved in the tenant of the data dir's directory as the configuration file resolves `initialAdminObjectIds`
 * (src/server/hsm-bootstrap.ts): an object id, a userPrincipalName, an appId, a display name. Only a name that is not
 * an object id needs the data dir; for a remote server, give object ids.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { isGuid } from "../authz/ids.js";
import { badParameter, KeyholdError } from "../errors.js";

/** `<data-dir>/keyhold.db` (src/store/sqlite/sqlite-store.ts STORE_FILE_NAME), named here so a GUID costs no store. */
const STORE_FILE = "keyhold.db";

/** KEYHOLD_STORE_POSTGRES_URL set: the directory is the shared database's, as the server's (read without loading the store). */
function usesSharedStore(): boolean {
  const url = process.env["KEYHOLD_STORE_POSTGRES_URL"];
  return url !== undefined && url !== "";
}

/** The tenant of the caller's token, when it carries one. */
function tokenTenant(token: string | undefined): string | undefined {
  try {
    const tid = token === undefined || token === "" ? undefined : decodeJwt(token)["tid"];
    return typeof tid === "string" ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Each value as an object id. Object ids pass unchanged unless they are an appId of the local directory; names are
 * looked up in the token's tenant (or the only tenant) of the directory in `dataDir`.
 */
export async function resolvePrincipalIds(
  flag: string,
  values: readonly string[],
  context: { readonly dataDir: string; readonly token?: string | undefined },
): Promise<string[]> {
  const storeFile = join(context.dataDir, STORE_FILE);
  const names = values.filter((value) => !isGuid(value.trim()));
  if (!existsSync(storeFile) && !usesSharedStore()) {
    if (names.length > 0) {
      throw badParameter(
        flag,
        `${JSON.stringify(names[0])} is not an object id, and there is no directory in ${context.dataDir} to look the name up in; give the principal's object id, or --data-dir of the server`,
      );
    }
    return values.map((value) => value.trim().toLowerCase());
  }
  const [{ openConfiguredStore }, { Directory }, { chooseTenant }] = await Promise.all([
    import("../store/index.js"),
    import("../identity/directory.js"),
    import("./directory.js"),
  ]);
  const store = await openConfiguredStore(context.dataDir);
  try {
    const directory = new Directory(store);
    const tenant = await chooseTenant(directory, tokenTenant(context.token));
    return await Promise.all(
      values.map(async (raw) => {
        const value = raw.trim();
        try {
          return (await directory.findPrincipal(tenant.id, value)).id;
        } catch (error) {
          // An object id unknown here may belong to a trusted external issuer's principal: the server decides.
          if (isGuid(value)) return value.toLowerCase();
          const reason =
            error instanceof KeyholdError && error.message.includes("names")
              ? error.message.replace(/^principal: /, "")
              : `no principal ${JSON.stringify(value)} in the tenant`;
          throw badParameter(flag, reason);
        }
      }),
    );
  } finally {
    await store.close();
  }
}

/**
 * A label (userPrincipalName, else display name) for each object id the data dir's directory knows, for list outputs;
 * empty without a directory there (a remote server's names are not the CLI's to see).
 */
export async function principalLabels(ids: readonly string[], dataDir: string): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  if (ids.length === 0 || (!existsSync(join(dataDir, STORE_FILE)) && !usesSharedStore())) return labels;
  const { openConfiguredStore } = await import("../store/index.js");
  const store = await openConfiguredStore(dataDir);
  try {
    const tenants = await store.directory.listTenants();
    for (const id of new Set(ids)) {
      for (const tenant of tenants) {
        const principal = await store.directory.getPrincipal(tenant.id, id.toLowerCase());
        if (principal !== undefined) labels.set(id, principal.userPrincipalName ?? principal.displayName);
      }
    }
  } finally {
    await store.close();
  }
  return labels;
}
