/**
 * Opens a key version's sealed private JWK by its key reference
 * `<hsm id>/<key name>/<version>`: what the worker pool's `loadKey` and the
 * main thread's opened-key cache both call. Only active keys open.
 */
import type { JsonWebKey } from "../../crypto/index.js";
import { KeyholdError } from "../../errors.js";
import type { Store } from "../../store/index.js";
import { openPrivateJwk } from "./at-rest.js";
import type { HsmDomains } from "./domain.js";

export type KeyLoader = (keyRef: string) => Promise<JsonWebKey>;

export function keyRef(hsmId: string, name: string, version: string): string {
  return `${hsmId}/${name}/${version}`;
}

/** The prefix that covers every version of one key, for eviction. */
export function keyRefPrefix(hsmId: string, name: string): string {
  return `${hsmId}/${name}/`;
}

export function createKeyLoader(store: Store, domains: HsmDomains): KeyLoader {
  return async (ref) => {
    const [hsmId, name, version, extra] = ref.split("/");
    if (hsmId === undefined || name === undefined || version === undefined || extra !== undefined) {
      throw new KeyholdError("InternalError", "malformed key reference");
    }
    const [key, record] = await Promise.all([store.keys.getKey(hsmId, name), store.keys.getVersion(hsmId, name, version)]);
    if (key === undefined || key.state !== "active" || record === undefined) {
      throw new KeyholdError("KeyNotFound", `Key '${name}' version ${version} does not exist.`);
    }
    return openPrivateJwk(await domains.get(hsmId), { hsmId, name: record.name, version }, record.sealedPrivateJwk);
  };
}
