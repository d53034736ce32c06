/**
 * Where backup folders live: a container of a storage account. BlobStore
 * (src/management/storage) satisfies this; the backup domain names only what
 * it uses, so that it does not depend on the management plane.
 */
export interface BackupStorage {
  /** Creates the container if it does not exist (a backup may go to a new container, as `az keyvault backup` does). */
  createContainer(account: string, container: string): Promise<unknown>;
  appendBlob(account: string, container: string, name: string, data: Uint8Array, options?: { readonly sync?: boolean }): Promise<void>;
  readBlob(account: string, container: string, name: string): Promise<Uint8Array>;
  listBlobs(
    account: string,
    container: string,
    options?: { readonly prefix?: string; readonly marker?: string },
  ): Promise<{ readonly value: readonly { readonly name: string; readonly size: number }[]; readonly nextMarker?: string }>;
}

/** A container, resolved and checked when the job was started. */
export interface BackupLocation {
  readonly storageAccount: string;
  readonly container: string;
}

/** Every blob name under `<folder>/`, relative to the folder. */
export async function listFolder(storage: BackupStorage, location: BackupLocation, folder: string): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await storage.listBlobs(location.storageAccount, location.container, {
      prefix: `${folder}/`,
      ...(marker === undefined ? {} : { marker }),
    });
    for (const item of page.value) names.push(item.name.slice(folder.length + 1));
    marker = page.nextMarker;
  } while (marker !== undefined);
  return names;
}
