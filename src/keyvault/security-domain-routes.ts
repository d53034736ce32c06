/**
 * The security domain on the Key Vault door (Key Vault's securitydomain.json), over the SecurityDomainService
 * operations: download (`{certificates, required}` -> 202 `{value}`), the transfer key of a new HSM
 * (`{key_format: "jwk", transfer_key}`), upload of a restore blob (`{value}` -> 202) and the two `pending` status
 * resources, whose `status` is Key Vault's `Success`, `InProgress` or `Failed`.
 *
 * The uploaded `value` is the restore blob `keyhold security-domain restore-blob` makes from a downloaded domain, a
 * quorum of private keys and the transfer key (the offline step az's `security-domain upload` does inside itself).
 */
import { badParameter } from "../errors.js";
import type { SecurityDomainStatus } from "../hsm/operations/security-domain.js";
import type { OperationRoute } from "../pipeline/http-route.js";
import { accepted, adminRoute, apiVersionQuery, ok, type Raw } from "./admin-route.js";
import { bodyOf } from "./request-body.js";

/**
 * Key Vault's status words. An HSM that was never activated has no domain operation to report: `Failed`, with the
 * details saying what to do, so that a poller stops instead of waiting forever.
 */
function statusJson(outcome: { status: SecurityDomainStatus; statusDetails: string }): Record<string, unknown> {
  return { status: outcome.status === "NotActivated" ? "Failed" : outcome.status, status_details: outcome.statusDetails };
}

const noInput = (): Record<string, never> => ({});

export function securityDomainRoutes(hsmOfHost: (hostname: string) => string | undefined): OperationRoute[] {
  const pending = (kind: "download" | "upload", origin: string, raw: Raw): string =>
    `${origin}/securitydomain/${kind}/pending?${apiVersionQuery(raw)}`;
  return [
    adminRoute(
      {
        method: "POST",
        url: "/securitydomain/download",
        operation: "SecurityDomainDownload",
        fromRequest: (raw) => {
          const body = bodyOf(raw);
          return { certificates: body["certificates"], required: body["required"] };
        },
        respond: (result, origin, raw) => accepted({ value: result.securityDomain }, pending("download", origin, raw)),
      },
      hsmOfHost,
    ),
    adminRoute(
      {
        method: "GET",
        url: "/securitydomain/download/pending",
        operation: "SecurityDomainStatus",
        fromRequest: noInput,
        respond: (status) => ok(statusJson(status)),
      },
      hsmOfHost,
    ),
    adminRoute(
      {
        method: "GET",
        url: "/securitydomain/upload",
        operation: "SecurityDomainTransferKey",
        fromRequest: noInput,
        respond: (result) => ok({ key_format: "jwk", transfer_key: JSON.parse(result.transferKey) as unknown }),
      },
      hsmOfHost,
    ),
    adminRoute(
      {
        method: "POST",
        url: "/securitydomain/upload",
        operation: "SecurityDomainUpload",
        fromRequest: (raw) => {
          const value = bodyOf(raw)["value"];
          // The blob as JSON text, or the parsed JSON object (what reading the restore blob's file gives a script).
          if (typeof value === "object" && value !== null && !Array.isArray(value)) return { securityDomain: JSON.stringify(value) };
          if (typeof value !== "string" || value === "") {
            throw badParameter("value", "is required: the restore blob made by 'keyhold security-domain restore-blob'");
          }
          return { securityDomain: value };
        },
        respond: (status, origin, raw) => accepted(statusJson(status), pending("upload", origin, raw)),
      },
      hsmOfHost,
    ),
    adminRoute(
      {
        method: "GET",
        url: "/securitydomain/upload/pending",
        operation: "SecurityDomainStatus",
        fromRequest: noInput,
        respond: (status) => ok(statusJson(status)),
      },
      hsmOfHost,
    ),
  ];
}
