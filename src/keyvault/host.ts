/**
 * HSM addressing on the Key Vault door: the HSM is the first label of the request's host name,
 * `{hsm}.{dnsSuffix}[:port]`, as in Managed HSM's `{hsm}.managedhsm.azure.net`. `localhost` and IP addresses name
 * no HSM, which the pipeline reads as the only HSM (or `x-hsm-name`). Any other host is passed on whole and is
 * answered HsmNotFound after authentication, so that HSM names cannot be probed before login.
 */
import { isIP } from "node:net";

export function hsmOfHost(dnsSuffix: string): (hostname: string) => string | undefined {
  const suffix = `.${dnsSuffix.toLowerCase()}`;
  return (hostname) => {
    const host = hostname.toLowerCase();
    if (host.endsWith(suffix)) return host.slice(0, -suffix.length);
    const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
    if (bare === "localhost" || isIP(bare) !== 0) return undefined;
    return host;
  };
}
