/**
 * `keyhold storage create|show|delete|list` and `keyhold storage blob list|download`: storage accounts over the
 * HTTPS management routes and their blobs (SPEC section 7), shaped like `az storage account ...` and
 * `az storage blob ...`. Everything prints JSON but `blob download`, which writes the blob's bytes.
 */
import type { Command } from "commander";
import { badParameter } from "../errors.js";
import { resourceGroupScope, subscriptionScope } from "../arm/arm-ids.js";
import type { ArmClient } from "../management/client/arm-client.js";
import { blobServicePath, STORAGE_ACCOUNT_TYPE, storageAccountId, type StorageAccountTarget } from "../arm/storage-account-ids.js";
import { parseTags, requireFlag, writeOutputFile } from "./client-options.js";
import { runManagement, withManagementOptions, type ManagementFlags } from "./mgmt.js";

interface AccountFlags extends ManagementFlags {
  readonly name: string;
}

interface BlobFlags extends ManagementFlags {
  readonly accountName: string;
  readonly container: string;
}

/** A listing follows nextLink for at most this many pages, so a misbehaving server cannot keep it going forever. */
const MAX_PAGES = 1000;

function groupPath(flags: ManagementFlags): string {
  return resourceGroupScope(requireFlag("--subscription", flags.subscription), requireFlag("--resource-group", flags.resourceGroup));
}

/** The account the flags name; `flag` is the one that gives its name. */
function accountTarget(flags: ManagementFlags, flag: string, name: string): StorageAccountTarget {
  return {
    subscriptionId: requireFlag("--subscription", flags.subscription),
    resourceGroup: requireFlag("--resource-group", flags.resourceGroup),
    name: encodeURIComponent(requireFlag(flag, name)),
  };
}

function accountPath(flags: ManagementFlags, name: string): string {
  return storageAccountId(accountTarget(flags, "--name", name));
}

function containerPath(flags: BlobFlags): string {
  const blobService = blobServicePath(accountTarget(flags, "--account-name", flags.accountName));
  return `${blobService}/containers/${encodeURIComponent(requireFlag("--container", flags.container))}`;
}

/** Each '/'-separated segment encoded on its own, so the blob's folders stay path segments. */
function blobPath(flags: BlobFlags, blob: string): string {
  return `${containerPath(flags)}/blobs/${requireFlag("--name", blob).split("/").map(encodeURIComponent).join("/")}`;
}

async function listAll(client: ArmClient, firstPath: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let path: string | undefined = firstPath;
  for (let page = 0; path !== undefined && page < MAX_PAGES; page++) {
    const body = (await client.send("GET", path)).body as { value?: unknown[]; nextLink?: string };
    items.push(...(body.value ?? []));
    path = body.nextLink === undefined ? undefined : pathOf(body.nextLink);
  }
  return items;
}

function pathOf(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

export function registerStorageCommands(program: Command): void {
  const storage = program.command("storage").description("storage accounts and their blobs (management plane)");

  withManagementOptions(storage.command("create").description("create a storage account"))
    .requiredOption("--name <name>", "3-24 lowercase letters and digits, unique on the server")
    .requiredOption("--location <location>", "e.g. westeurope")
    .option("--sku <name>", "Standard_LRS, Standard_GRS, ... (recorded; blobs live in the server's data dir)", "Standard_LRS")
    .option("--kind <kind>", "StorageV2, Storage, BlobStorage, BlockBlobStorage or FileStorage", "StorageV2")
    .option("--tags <name=value...>", "resource tags")
    .action((options: AccountFlags & { location: string; sku: string; kind: string; tags?: string[] }) =>
      runManagement(program, options, async (client) => {
        const body = {
          location: options.location,
          sku: { name: options.sku },
          kind: options.kind,
          ...(options.tags === undefined ? {} : { tags: parseTags("--tags", options.tags) }),
        };
        return (await client.send("PUT", accountPath(options, options.name), body)).body;
      }),
    );

  withManagementOptions(storage.command("show").description("show a storage account"))
    .requiredOption("--name <name>", "the account")
    .action((options: AccountFlags) =>
      runManagement(program, options, async (client) => (await client.send("GET", accountPath(options, options.name))).body),
    );

  withManagementOptions(
    storage.command("delete").description("delete a storage account with its blobs and the diagnostic settings writing into it"),
  )
    .requiredOption("--name <name>", "the account")
    .action((options: AccountFlags) =>
      runManagement(program, options, async (client) => {
        const reply = await client.send("DELETE", accountPath(options, options.name));
        return { name: options.name, deleted: reply.status !== 204 };
      }),
    );

  withManagementOptions(
    storage.command("list").description("list storage accounts of the resource group, or of the subscription without --resource-group"),
  ).action((options: ManagementFlags) =>
    runManagement(program, options, (client) => {
      const scope =
        options.resourceGroup === undefined ? subscriptionScope(requireFlag("--subscription", options.subscription)) : groupPath(options);
      const path = `${scope}/providers/${STORAGE_ACCOUNT_TYPE}`;
      return listAll(client, path);
    }),
  );

  const blob = storage.command("blob").description("read blobs (needs Storage Blob Data Reader or Contributor)");

  withManagementOptions(blob.command("list").description("list a container's blobs, every page"))
    .requiredOption("--account-name <name>", "the storage account")
    .requiredOption("--container <name>", "e.g. insights-logs-auditevent")
    .option("--prefix <prefix>", "only blobs whose names start with it")
    .action((options: BlobFlags & { prefix?: string }) =>
      runManagement(program, options, (client) => {
        const query = options.prefix === undefined ? "" : `?${new URLSearchParams({ prefix: options.prefix }).toString()}`;
        return listAll(client, `${containerPath(options)}/blobs${query}`);
      }),
    );

  withManagementOptions(blob.command("download").description("write a blob's bytes to a file, or to stdout without --file"))
    .requiredOption("--account-name <name>", "the storage account")
    .requiredOption("--container <name>", "e.g. insights-logs-auditevent")
    .requiredOption("--name <blob>", "the blob's name, folders included")
    .option("--file <path>", "where to write it")
    .action((options: BlobFlags & { name: string; file?: string }) =>
      runManagement(program, options, async (client) => {
        if (options.file === "") throw badParameter("--file", "must be a path");
        const bytes = await client.download(blobPath(options, options.name));
        if (options.file === undefined) {
          process.stdout.write(bytes);
          return undefined;
        }
        writeOutputFile("--file", options.file, bytes);
        return { file: options.file, size: bytes.length };
      }),
    );
}
