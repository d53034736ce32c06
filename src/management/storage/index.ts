/** Storage accounts with blob containers (SPEC section 7): directories of the data dir, or tables of a shared store. */
export { BlobStore, MAX_LIST_RESULTS, type BlobStorage } from "./blob-store.js";
export { StoreBlobStore } from "./store-blob-store.js";
export { blobNameSegments, checkContainerName } from "../../arm/storage-names.js";
