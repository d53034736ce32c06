/**
 * Key Vault's `api-version` query parameter: required on every data-plane call, and refused with Key Vault's own
 * words when the service does not know it ("The specified version (7.3) is not recognized. Consider using the latest
 * supported version (7.1).", code BadParameter).
 */
import { echo, KeyholdError } from "../errors.js";

/** The Key Vault REST API versions served (SPEC section 13); @azure/keyvault-keys 4.10 sends 2025-07-01. */
const KEY_VAULT_API_VERSIONS: readonly string[] = Object.freeze(["7.4", "7.5", "7.6", "2025-07-01"]);

const LATEST = KEY_VAULT_API_VERSIONS[KEY_VAULT_API_VERSIONS.length - 1]!;

export function checkKeyVaultApiVersion(value: unknown): void {
  if (value === undefined || value === "") {
    throw new KeyholdError(
      "BadParameter",
      `The 'api-version' query parameter is missing. Consider using the latest supported version (${LATEST}).`,
      {
        field: "api-version",
      },
    );
  }
  if (typeof value !== "string" || !KEY_VAULT_API_VERSIONS.includes(value)) {
    const given = typeof value === "string" ? echo(value, 32) : "given more than once";
    throw new KeyholdError(
      "BadParameter",
      `The specified version (${given}) is not recognized. Consider using the latest supported version (${LATEST}); keyhold serves ${KEY_VAULT_API_VERSIONS.join(", ")}.`,
      { field: "api-version" },
    );
  }
}
