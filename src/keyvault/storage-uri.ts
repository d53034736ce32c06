/**
 * Key Vault names a backup's place as a blob container URL (`storageResourceUri`) with a SAS token or the HSM's
 * managed identity. keyhold's storage accounts are its own (SPEC section 7), so the URL is read as an account name
 * and a container:
 *
 * - `https://{account}.blob.core.windows.net/{container}` (any host whose first label is the account), as Azure
 *   tools write it: the account is keyhold's storage account of that name; nothing is sent to Azure;
 * - `https://{keyhold}/subscriptions/.../providers/Microsoft.Storage/storageAccounts/{account}/blobServices/default/containers/{container}`,
 *   the container under the account's `primaryEndpoints.blob`.
 *
 * keyhold does not check SAS tokens (its storage is not reachable with them); the caller's backup or restore role is
 * what authorizes the job. The token is required as Key Vault requires it, and is dropped here: it reaches neither
 * the operation, nor the audit record, nor any error message.
 */
import { badParameter } from "../errors.js";
import { fields, type Fields } from "../pipeline/decode.js";

const ARM_CONTAINER =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+)\/blobServices\/default\/containers\/([^/]+)\/?$/i;

const AZURE_BLOB_SUFFIX = ".blob.core.windows.net";

/** The storageAccount and container the backup operations take. */
export interface StorageTarget {
  readonly storageAccount: string;
  readonly container: string;
}

function containerOf(uri: unknown, field: string): StorageTarget {
  const problem =
    "must be a blob container URL: https://<account>.blob.core.windows.net/<container>, or a keyhold storage account's blob endpoint followed by /containers/<container>";
  if (typeof uri !== "string" || uri.length > 2048) throw badParameter(field, problem);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw badParameter(field, problem);
  }
  if (url.protocol !== "https:" || url.search !== "" || url.hash !== "") throw badParameter(field, problem);
  const path = decodeURIComponent(url.pathname);
  const arm = ARM_CONTAINER.exec(path);
  if (arm !== null) return { storageAccount: arm[1]!, container: arm[2]! };
  const segments = path.split("/").filter((s) => s !== "");
  if (segments.length !== 1) throw badParameter(field, problem);
  // The operations check the account and container names (syntax, then existence) and name the field.
  return { storageAccount: url.hostname.split(".")[0]!, container: segments[0]! };
}

/** `{storageResourceUri, token, useManagedIdentity}` (Key Vault's SASTokenParameter), at `prefix` in the body. */
export function storageTargetOf(parameters: Fields, prefix = ""): StorageTarget {
  const managed = parameters["useManagedIdentity"];
  if (managed !== undefined && managed !== null && typeof managed !== "boolean") {
    throw badParameter(`${prefix}useManagedIdentity`, "must be true or false");
  }
  const token = parameters["token"];
  if (managed !== true && (typeof token !== "string" || token === "")) {
    throw badParameter(`${prefix}token`, "is required (a SAS token) unless useManagedIdentity is true");
  }
  return containerOf(parameters["storageResourceUri"], `${prefix}storageResourceUri`);
}

/** `sasTokenParameters` of a restore body. */
export function sasTokenParametersOf(body: Fields): StorageTarget {
  return storageTargetOf(fields(body["sasTokenParameters"] ?? {}, "sasTokenParameters"), "sasTokenParameters.");
}

/** The URL a backup folder is reported at, in Azure's form, which containerOf reads back. */
export function folderUri(storageAccount: string, container: string, folder: string): string {
  return `https://${storageAccount}${AZURE_BLOB_SUFFIX}/${container}/${folder}`;
}
