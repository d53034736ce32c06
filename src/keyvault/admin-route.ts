/**
 * How the Key Vault door's administration routes (roles, backup and restore, security domain) are declared: the same
 * api-version check, host addressing, early 401 challenge and Key Vault error codes as the key routes (routes.ts),
 * with the status and headers each answer chooses (201 for a created role, 202 and `azure-asyncoperation` for a
 * long-running operation).
 */
import type { accessControlOperations } from "../hsm/operations/access-control.js";
import type { backupOperations } from "../hsm/operations/backup.js";
import type { securityDomainOperations } from "../hsm/operations/security-domain.js";
import type { OperationRoute, RouteResponse } from "../pipeline/http-route.js";
import { checkKeyVaultApiVersion } from "./api-version.js";
import { keyVaultErrorCode } from "./key-vault-errors.js";

type AdminOperation =
  | ReturnType<typeof accessControlOperations>[number]
  | ReturnType<typeof backupOperations>[number]
  | ReturnType<typeof securityDomainOperations>[number];
type AdminOperationName = AdminOperation["name"];
export type AdminResultOf<N extends AdminOperationName> = Awaited<ReturnType<Extract<AdminOperation, { readonly name: N }>["execute"]>>;

export type Raw = Readonly<Record<string, unknown>>;

export interface AdminRouteSpec<N extends AdminOperationName> {
  readonly method: OperationRoute["method"];
  readonly url: string;
  readonly operation: N;
  readonly fromRequest: (raw: Raw) => unknown;
  readonly respond: (result: AdminResultOf<N>, origin: string, raw: Raw) => RouteResponse;
  readonly hostConstraint?: RegExp;
}

export function adminRoute<N extends AdminOperationName>(
  spec: AdminRouteSpec<N>,
  hsmOfHost: (hostname: string) => string | undefined,
): OperationRoute {
  return Object.freeze({
    method: spec.method,
    url: spec.url,
    operation: spec.operation,
    // The route is mounted on the operation named `operation`, whose result AdminResultOf<N> is (as in routes.ts).
    respond: (result: unknown, origin: string, raw: Raw) => spec.respond(result as AdminResultOf<N>, origin, raw),
    fromRequest: spec.fromRequest,
    errorCode: keyVaultErrorCode,
    checkRequest: (raw: Raw) => checkKeyVaultApiVersion(raw["api-version"]),
    hsmOfHost,
    challengeBeforeBody: true,
    ...(spec.hostConstraint === undefined ? {} : { hostConstraint: spec.hostConstraint }),
  });
}

/** `?api-version=...` as the request gave it, for the URLs a client follows (nextLink, azure-asyncoperation). */
export function apiVersionQuery(raw: Raw): string {
  return `api-version=${encodeURIComponent(String(raw["api-version"]))}`;
}

/**
 * A long-running operation's first answer: 202, where to poll (`azure-asyncoperation`) and when (`retry-after`, in
 * seconds; keyhold's jobs take about a second).
 */
export function accepted(body: unknown, statusUrl: string): RouteResponse {
  return { status: 202, body, headers: { "azure-asyncoperation": statusUrl, "retry-after": "1" } };
}

export const ok = (body: unknown): RouteResponse => ({ status: 200, body });
