/**
 * Reads an HSM's 32-byte domain secret, the thing a security domain download
 * splits. domain.ts keeps the secret sealed in the store and hands out only
 * keys derived from it; this reads the sealed row and opens it with the node
 * seal, after `HsmDomains.get` has made the secret if the HSM had none yet.
 */
import { equalBytes } from "../../crypto/bytes.js";
import { KeyholdError } from "../../errors.js";
import type { Store } from "../../store/index.js";
import { domainKeysFrom, openDomainSecret, type HsmDomains } from "../keys/domain.js";
import type { NodeSeal } from "../keys/seal.js";

export type DomainSecretReader = (hsmId: string) => Promise<Uint8Array>;

export function domainSecretReader(store: Store, seal: NodeSeal, domains: HsmDomains): DomainSecretReader {
  return async (hsmId) => {
    const keys = await domains.get(hsmId);
    const sealed = await store.keys.getSealedDomainSecret(hsmId);
    const secret = sealed === undefined ? undefined : openDomainSecret(seal, hsmId, sealed);
    if (secret === undefined || !equalBytes(domainKeysFrom(hsmId, secret).fingerprint, keys.fingerprint)) {
      secret?.fill(0);
      throw new KeyholdError("Unavailable", `The domain secret of HSM ${hsmId} cannot be read on this node.`);
    }
    return secret;
  };
}
