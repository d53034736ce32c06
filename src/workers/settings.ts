/** What every worker is started with (piscina workerData). */
import type { ProviderName } from "../crypto/index.js";

export interface WorkerSettings {
  readonly providers: { readonly rsa: ProviderName; readonly ec: ProviderName };
  /** Budget of the per-worker key cache, in bytes. */
  readonly cacheBytes: number;
  /** BroadcastChannel name on which the pool announces evictions. */
  readonly evictionChannel: string;
}
