/** Paths and raw reads for the storage account, blob and diagnostic setting routes. */
import type { PrincipalRecord } from "../../src/store/records.js";
import { withApiVersion } from "../../src/management/api-versions.js";
import { RESOURCE_GROUP, SUBSCRIPTION, hsmPath, type ManagementCore } from "./helpers.js";

export const accountPath = (name: string, group = RESOURCE_GROUP): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.Storage/storageAccounts/${name}`;

export const containerPath = (account: string, container: string): string =>
  `${accountPath(account)}/blobServices/default/containers/${container}`;

export const settingPath = (hsm: string, name: string): string => `${hsmPath(hsm)}/providers/Microsoft.Insights/diagnosticSettings/${name}`;

export const ACCOUNT_BODY = { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2", tags: { team: "sec" } };

export interface RawReply {
  status: number;
  contentType: string | undefined;
  text: string;
}

/** A GET whose body is not necessarily JSON (blob contents). */
export async function rawGet(core: ManagementCore, url: string, principal: PrincipalRecord): Promise<RawReply> {
  const response = await core.https.app.inject({
    method: "GET",
    url: withApiVersion(url),
    headers: { authorization: `Bearer ${await core.token(principal)}` },
  });
  const contentType = response.headers["content-type"];
  return { status: response.statusCode, contentType: typeof contentType === "string" ? contentType : undefined, text: response.body };
}
