/**
 * Containers and blobs of a storage account, read over HTTPS (SPEC section 7). Blob contents are data: reading them
 * takes the data action `.../blobs/read` at the account, which only Storage Blob Data Reader and Contributor grant
 * (through dataActions), at the account or above; Owner, Contributor and Reader do not. Listing containers is a
 * control-plane read, as in Azure.
 */
import { badParameter } from "../../errors.js";
import { fields } from "../../pipeline/decode.js";
import { managementOperation, type AnyOperation } from "../../pipeline/operation.js";
import type { JsonObject } from "../body.js";
import type { OriginReply } from "../origin-reply.js";
import { withApiVersion } from "../api-versions.js";
import { blobContentType, type BlobContent } from "../storage-account/blob-content-reply.js";
import { blobServicePath, storageAccountId, storageAccountTarget, type StorageAccountTarget } from "../../arm/storage-account-ids.js";
import type { StorageAccountService } from "../storage-account/storage-account-service.js";
import { blobNameSegments, checkContainerName, MAX_LIST_RESULTS, type BlobStorage } from "../storage/index.js";

const CONTAINERS = "Microsoft.Storage/storageAccounts/blobServices/containers";
const BLOB_READ_DATA_ACTION = `${CONTAINERS}/blobs/read`;

interface ContainerTarget {
  readonly account: StorageAccountTarget;
  readonly container: string;
}

interface BlobListInput extends ContainerTarget {
  readonly prefix: string | undefined;
  readonly marker: string | undefined;
  readonly maxResults: number | undefined;
}

function containerTarget(input: JsonObject): ContainerTarget {
  return { account: storageAccountTarget(input), container: checkContainerName(input["container"]) };
}

function optionalQueryText(input: JsonObject, key: string): string | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw badParameter(key, "must be given once");
  return value;
}

function maxResults(input: JsonObject): number | undefined {
  const value = optionalQueryText(input, "maxresults");
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIST_RESULTS) {
    throw badParameter("maxresults", `must be an integer from 1 to ${MAX_LIST_RESULTS}`);
  }
  return Number(value);
}

function containerPath(target: ContainerTarget): string {
  return `${blobServicePath(target.account)}/containers/${target.container}`;
}

/** The next page's URL: the same listing with the marker of this page's last blob. */
function nextLink(origin: string, input: BlobListInput, marker: string): string {
  const query = new URLSearchParams({
    ...(input.prefix === undefined ? {} : { prefix: input.prefix }),
    ...(input.maxResults === undefined ? {} : { maxresults: String(input.maxResults) }),
    marker,
  });
  // ARM clients follow nextLink as given, so it carries its api-version.
  return `${origin}${withApiVersion(`${containerPath(input)}/blobs?${query.toString()}`)}`;
}

export function blobOperations(accounts: StorageAccountService, blobs: BlobStorage): readonly AnyOperation[] {
  const listContainers = managementOperation({
    name: "StorageContainerList",
    decode: (raw: unknown) => storageAccountTarget(fields(raw)),
    action: `${CONTAINERS}/read`,
    scope: storageAccountId,
    describe: (i) => ({ scope: storageAccountId(i) }),
    async execute(input): Promise<OriginReply> {
      const account = await accounts.get(input);
      const names = await blobs.listContainers(account.name);
      const value = names.map((name) => ({ id: containerPath({ account: input, container: name }), name, type: CONTAINERS }));
      return { status: 200, render: () => ({ value }) };
    },
  });

  const listBlobs = managementOperation({
    name: "StorageBlobList",
    decode(raw: unknown): BlobListInput {
      const input = fields(raw);
      return {
        ...containerTarget(input),
        prefix: optionalQueryText(input, "prefix"),
        marker: optionalQueryText(input, "marker"),
        maxResults: maxResults(input),
      };
    },
    action: BLOB_READ_DATA_ACTION,
    scope: (i) => storageAccountId(i.account),
    describe: (i) => ({ scope: containerPath(i) }),
    async execute(input): Promise<OriginReply> {
      const account = await accounts.get(input.account);
      const page = await blobs.listBlobs(account.name, input.container, {
        ...(input.prefix === undefined ? {} : { prefix: input.prefix }),
        ...(input.marker === undefined ? {} : { marker: input.marker }),
        ...(input.maxResults === undefined ? {} : { maxResults: input.maxResults }),
      });
      const value = page.value.map((item) => ({ name: item.name, size: item.size, lastModified: item.lastModified }));
      const marker = page.nextMarker;
      return { status: 200, render: (origin) => (marker === undefined ? { value } : { value, nextLink: nextLink(origin, input, marker) }) };
    },
  });

  const getBlob = managementOperation({
    name: "StorageBlobGet",
    decode(raw: unknown) {
      const input = fields(raw);
      const name = input["*"];
      blobNameSegments(name, "blob");
      return { ...containerTarget(input), blob: name as string };
    },
    action: BLOB_READ_DATA_ACTION,
    scope: (i) => storageAccountId(i.account),
    describe: (i) => ({ scope: `${containerPath(i)}/blobs/${i.blob}` }),
    async execute(input): Promise<BlobContent> {
      const account = await accounts.get(input.account);
      const data = await blobs.readBlob(account.name, input.container, input.blob);
      return { contentType: blobContentType(input.blob), data };
    },
  });

  return [listContainers, listBlobs, getBlob];
}
