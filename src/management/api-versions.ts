/**
 * The `api-version` query parameter of the ARM routes. ARM requires it on every request and refuses a missing one
 * (MissingApiVersionParameter) or one the resource provider does not serve (InvalidApiVersionParameter), both 400.
 * keyhold serves one shape per resource type, so each provider accepts the set of versions whose shape it matches,
 * which covers what the Azure SDKs and CLIs of the last years send:
 *
 * - Microsoft.KeyVault (managedHSMs, deletedManagedHSMs, operationResults, checkMhsmNameAvailability):
 *   `@azure/arm-keyvault` 3.x sends 2023-07-01, 4.x 2024-11-01, newer 2025-05-01.
 * - Microsoft.Authorization (role assignments and definitions at any scope): `@azure/arm-authorization` 9.x sends
 *   2022-04-01; older tools 2015-07-01 and 2020-04-01-preview.
 * - Microsoft.Resources (subscriptions and resource groups, which carry no /providers segment):
 *   `@azure/arm-resources` 5.x and 6.x send 2021-04-01 and 2024-03-01; `@azure/arm-subscriptions` 2022-12-01.
 * - Microsoft.Management (management groups): 2020-05-01 to 2023-04-01.
 * - Microsoft.Storage (accounts and the blob routes under them): 2022-09-01 to 2024-01-01.
 * - Microsoft.Insights (diagnostic settings): 2017-05-01-preview and 2021-05-01-preview.
 *
 * The provider of a path is its last `/providers/{namespace}` segment before any blob name (a role assignment under
 * an HSM belongs to Microsoft.Authorization); a path without one is Microsoft.Resources. Graph (/v1.0/...) and the identity endpoints
 * take no api-version.
 */
import { echo, KeyholdError } from "../errors.js";

export const ARM_API_VERSIONS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  "Microsoft.KeyVault": Object.freeze(["2021-10-01", "2022-07-01", "2023-02-01", "2023-07-01", "2024-11-01", "2025-05-01"]),
  "Microsoft.Authorization": Object.freeze(["2015-07-01", "2018-01-01-preview", "2020-04-01-preview", "2022-04-01"]),
  "Microsoft.Resources": Object.freeze(["2020-01-01", "2021-01-01", "2021-04-01", "2022-09-01", "2022-12-01", "2024-03-01", "2024-11-01"]),
  "Microsoft.Management": Object.freeze(["2020-05-01", "2021-04-01", "2023-04-01"]),
  "Microsoft.Storage": Object.freeze(["2022-09-01", "2023-01-01", "2023-05-01", "2024-01-01"]),
  "Microsoft.Insights": Object.freeze(["2017-05-01-preview", "2021-05-01-preview"]),
});

/** The version keyhold's own client sends (and puts in the URLs it hands out) for each provider: the newest it serves. */
function defaultApiVersion(provider: string): string {
  const versions = ARM_API_VERSIONS[provider] ?? ARM_API_VERSIONS["Microsoft.Resources"]!;
  return versions.at(-1)!;
}

/** The resource provider a path (or route pattern) belongs to. */
export function providerOfPath(path: string): string {
  // A blob's name is the rest of its path and may hold anything, `/providers/` included (audit log blobs do).
  const pathname = path.split("?")[0]!.replace(/\/blobs\/.*$/i, "/blobs");
  const namespaces = [...pathname.matchAll(/\/providers\/([^/]+)/gi)].map((match) => match[1]!);
  const last = namespaces.at(-1);
  if (last === undefined) return "Microsoft.Resources";
  return Object.keys(ARM_API_VERSIONS).find((provider) => provider.toLowerCase() === last.toLowerCase()) ?? last;
}

/** `path` with `api-version` added for its provider, unless it names one already. */
export function withApiVersion(path: string): string {
  if (/[?&]api-version=/.test(path)) return path;
  return `${path}${path.includes("?") ? "&" : "?"}api-version=${defaultApiVersion(providerOfPath(path))}`;
}

/** A 400 in ARM's own words; the body's code is ARM's, not the generic InvalidRequestContent. */
export class ApiVersionError extends KeyholdError {
  constructor(
    readonly armCode: "MissingApiVersionParameter" | "InvalidApiVersionParameter",
    message: string,
  ) {
    super("BadParameter", message, { field: "api-version" });
  }
}

/** Refuses a request whose `api-version` is missing or not one of `versions` (ARM's codes and messages). */
export function checkApiVersion(value: unknown, provider: string, versions: readonly string[]): void {
  if (value === undefined || value === "") {
    throw new ApiVersionError(
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
  }
  if (typeof value !== "string" || !versions.includes(value)) {
    const problem = typeof value === "string" ? `'${echo(value, 32)}' is invalid` : "must be given once";
    throw new ApiVersionError(
      "InvalidApiVersionParameter",
      `The api-version ${problem}. The supported versions for resource provider '${provider}' are '${versions.join(",")}'.`,
    );
  }
}
