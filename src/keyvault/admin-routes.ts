/**
 * The administration half of the Key Vault door (SPEC section 13): local RBAC, full backup and restore, and the
 * security domain, each route an entry of the one operations table like the key routes of routes.ts.
 */
import type { OperationRoute } from "../pipeline/http-route.js";
import { backupRoutes } from "./backup-routes.js";
import { hsmOfHost } from "./host.js";
import { roleRoutes } from "./role-routes.js";
import { securityDomainRoutes } from "./security-domain-routes.js";

/** `{hsm}.{dnsSuffix}` with an optional port: the hosts on which ARM-shaped paths belong to the Key Vault door. */
function hsmHostPattern(dnsSuffix: string): RegExp {
  const suffix = dnsSuffix.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^[^.:/]+\\.${suffix}(?::\\d+)?$`, "i");
}

export function keyVaultAdminRoutes(options: { readonly dnsSuffix: string }): readonly OperationRoute[] {
  const hsmOf = hsmOfHost(options.dnsSuffix);
  return Object.freeze([...roleRoutes(hsmOf, hsmHostPattern(options.dnsSuffix)), ...backupRoutes(hsmOf), ...securityDomainRoutes(hsmOf)]);
}
