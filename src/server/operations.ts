/** The node's one table of operations: what every RPC and route resolves to. */
import type { HsmDomains, KeyDomain, NodeSeal } from "../hsm/keys/index.js";
import { BackupJobs } from "../hsm/backup/index.js";
import { backupOperations } from "../hsm/operations/backup.js";
import { domainSecretReader, SecurityDomainUploads, TransferKeys } from "../hsm/security-domain/index.js";
import type { LocalRbac } from "../hsm/local-rbac.js";
import { operationTable, type OperationTable } from "../pipeline/operation-table.js";
import { accessControlOperations } from "../hsm/operations/access-control.js";
import { cryptoOperations } from "../hsm/operations/crypto.js";
import { directoryOperations } from "../hsm/operations/directory.js";
import { keyOperations } from "../hsm/operations/keys.js";
import { securityDomainOperations } from "../hsm/operations/security-domain.js";
import type { Directory, ServicePrincipalCredentials } from "../identity/index.js";
import { managementOperations, type BlobStorage, type ManagementRbac, type StoreHsmRegistry } from "../management/index.js";
import type { Store } from "../store/index.js";

export interface OperationDeps {
  readonly store: Store;
  readonly rbac: LocalRbac;
  readonly directory: Directory;
  readonly credentials: ServicePrincipalCredentials;
  readonly keys: KeyDomain;
  readonly seal: NodeSeal;
  readonly domains: HsmDomains;
  readonly hsms: StoreHsmRegistry;
  readonly management: ManagementRbac;
  readonly blobs: BlobStorage;
  readonly backupJobs: BackupJobs;
  readonly onError?: (error: unknown) => void;
}

export function buildOperations(deps: OperationDeps): OperationTable {
  return operationTable(
    accessControlOperations({ store: deps.store, rbac: deps.rbac }),
    directoryOperations({ directory: deps.directory, credentials: deps.credentials }),
    keyOperations(deps.keys),
    cryptoOperations(deps.keys),
    securityDomainOperations({
      readDomainSecret: domainSecretReader(deps.store, deps.seal, deps.domains),
      hsms: deps.hsms,
      recovery: securityDomainRecovery(deps),
    }),
    backupOperations(deps.backupJobs),
    managementOperations({
      store: deps.store,
      rbac: deps.management,
      seal: deps.seal,
      hsms: deps.hsms,
      blobs: deps.blobs,
    }),
  );
}

function securityDomainRecovery(deps: OperationDeps): { transferKeys: TransferKeys; uploads: SecurityDomainUploads } {
  const repository = deps.store.securityDomainRecovery;
  const transferKeys = new TransferKeys(repository, deps.seal);
  const uploads = new SecurityDomainUploads({
    repository,
    transferKeys,
    seal: deps.seal,
    hsms: deps.hsms,
    domains: deps.domains,
    ...(deps.onError === undefined ? {} : { onError: deps.onError }),
  });
  return { transferKeys, uploads };
}
