/**
 * Managed HSM local RBAC scopes: `/` and `/keys` are the same whole-HSM scope; `/keys/<name>` covers every version
 * of one key (MicrosoftDocs azure-docs managed-hsm/access-control.md). Key names follow the Key Vault rule
 * `^[0-9a-zA-Z-]{1,127}$` and, as in Key Vault, compare case-insensitively.
 */
import { badParameter } from "../errors.js";
import type { ScopeRule } from "./scope-rule.js";

/** Where role definitions live (rbac.json: "Managed HSM only supports '/'"). */
export const HSM_ROOT_SCOPE = "/";
const HSM_KEYS_SCOPE = "/keys";

const KEY_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const KEY_SCOPE_PREFIX = "/keys/";

/** Whole HSM, or the lower-cased name of one key; undefined when the text is not an HSM scope. */
type HsmScope = { readonly kind: "hsm" } | { readonly kind: "key"; readonly keyName: string };

function parseHsmScope(scope: string): HsmScope | undefined {
  if (scope === HSM_ROOT_SCOPE || scope === HSM_KEYS_SCOPE) return { kind: "hsm" };
  if (!scope.startsWith(KEY_SCOPE_PREFIX)) return undefined;
  const keyName = scope.slice(KEY_SCOPE_PREFIX.length);
  return KEY_NAME.test(keyName) ? { kind: "key", keyName: keyName.toLowerCase() } : undefined;
}

/** The scope a key operation targets. */
export function keyScope(keyName: string): string {
  if (!KEY_NAME.test(keyName)) throw badParameter("keyName", "must match ^[0-9a-zA-Z-]{1,127}$");
  return KEY_SCOPE_PREFIX + keyName;
}

export const hsmScopeRule: ScopeRule = Object.freeze({
  normalize(scope: unknown, field: string): string {
    if (typeof scope !== "string") throw badParameter(field, "must be a string scope: /, /keys or /keys/{key-name}");
    if (parseHsmScope(scope) === undefined) {
      throw badParameter(field, "must be /, /keys or /keys/{key-name} with a key name matching ^[0-9a-zA-Z-]{1,127}$");
    }
    return scope;
  },
  contains(assignmentScope: string, targetScope: string): boolean {
    const assigned = parseHsmScope(assignmentScope);
    const target = parseHsmScope(targetScope);
    if (assigned === undefined || target === undefined) return false;
    if (assigned.kind === "hsm") return true;
    return target.kind === "key" && target.keyName === assigned.keyName;
  },
});
