/**
 * Development mode's set-up (SPEC section 11), run once the node is up: the user `admin` (directory administrator
 * and management Owner at "/"), the subscription and resource group `dev`, the managed HSM `dev` created through the
 * management plane's service, and its development security domain, which activates it. Every step finds what an
 * earlier start made and reuses it.
 */
import { domainSecretReader } from "../hsm/security-domain/index.js";
import type { ManagedHsmRecord } from "../store/index.js";
import type { PrincipalRecord } from "../store/records.js";
import { ensureDevAdmin } from "./dev-admin.js";
import { ensureDevHsm } from "./dev-hsm.js";
import { ensureDevScope, ensureRootOwner, type DevScope } from "./dev-scope.js";
import { ensureDevSecurityDomain, type DevSecurityDomain } from "./dev-security-domain.js";
import type { RunningNode } from "./node.js";

export interface DevSetup {
  readonly admin: PrincipalRecord;
  readonly scope: DevScope;
  readonly hsm: ManagedHsmRecord;
  readonly hsmCreated: boolean;
  readonly securityDomain: DevSecurityDomain;
}

export async function bootstrapDevMode(node: RunningNode): Promise<DevSetup> {
  const { store, directory, tenant, hsms: registry } = node;
  const dataDir = node.config.dataDir;
  const admin = await ensureDevAdmin(dataDir, directory, tenant);
  await ensureRootOwner(store, admin);
  const scope = await ensureDevScope(store);
  const { seal, domains } = node;
  const { record, created } = await ensureDevHsm({ store, seal, registry, tenant, admin, scope });
  const securityDomain = await ensureDevSecurityDomain({
    dataDir,
    hsm: record,
    readDomainSecret: domainSecretReader(store, seal, domains),
    registry,
  });
  const hsm = (await store.management.getManagedHsm(record.hsmId)) ?? record;
  return { admin, scope, hsm, hsmCreated: created, securityDomain };
}
