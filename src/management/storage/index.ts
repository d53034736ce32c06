/** Storage accounts: directories of the data dir with blob containers (SPEC section 7). */
export { BlobStore, MAX_LIST_RESULTS } from "./blob-store.js";
export { blobNameSegments, checkContainerName } from "../../arm/storage-names.js";
