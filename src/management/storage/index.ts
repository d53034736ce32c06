/** Storage accounts: directories of the data dir with blob containers (SPEC section 7). */
export { BlobStore, MAX_LIST_RESULTS, STORAGE_DIRECTORY } from "./blob-store.js";
export type { AppendBlobOptions, BlobItem, BlobList, BlobListOptions } from "./blob-store.js";
export { blobNameSegments, checkAccountName, checkContainerName, MAX_BLOB_NAME_LENGTH } from "../../arm/storage-names.js";
