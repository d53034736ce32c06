/** The validated configuration of a keyhold server (SPEC section 2); every field has its default filled in. */
import type { TrustedIssuerConfig } from "../identity/trusted-issuers.js";
import type { ListenAddress } from "./listen-address.js";

type RsaProviderChoice = "native" | "wasm" | "auto";
type EcProviderChoice = "native" | "noble" | "auto";

export interface IdentityConfig {
  /** `https://host[:port]`; default `https://<https.listen>`. */
  readonly issuerBaseUrl: string;
  readonly audiences: { readonly data: string; readonly management: string };
  readonly tokenTtlSeconds: number;
  readonly trustedIssuers: readonly TrustedIssuerConfig[];
}

interface NetworkAclsConfig {
  readonly defaultAction: "Allow" | "Deny";
  /** IPv4 or IPv6 addresses or CIDR ranges. */
  readonly ipRules: readonly string[];
}

export interface HsmConfig {
  readonly name: string;
  /** Object ids (GUIDs) or principal names; names are resolved against the directory at start. */
  readonly initialAdminObjectIds: readonly string[];
  readonly softDeleteRetentionInDays: number;
  readonly enablePurgeProtection: boolean;
  readonly networkAcls: NetworkAclsConfig;
  readonly publicNetworkAccess: "Enabled" | "Disabled";
}

export interface KeyholdConfig {
  /** Absolute. */
  readonly dataDir: string;
  /** Nodes `keyhold serve` starts on this machine, sharing the listening ports; 1 serves in the one process. */
  readonly processes: number;
  readonly grpc: { readonly listen: ListenAddress };
  readonly https: { readonly listen: ListenAddress };
  readonly metrics: { readonly listen: ListenAddress };
  /** Absent: the development CA of `<dataDir>/tls` (src/tls ensureDevTls). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile?: string };
  /** Plaintext listeners; refused at load unless every listener is a loopback address. */
  readonly insecureLoopback: boolean;
  readonly identity: IdentityConfig;
  readonly workers: { readonly threads: number; readonly maxQueue: number; readonly cacheBytes: number };
  readonly providers: { readonly rsa: RsaProviderChoice; readonly ec: EcProviderChoice };
  readonly audit: { readonly nodeId: string; readonly checkpointEveryRecords: number; readonly checkpointIntervalMs: number };
  /** `eventLoopStallMs`: how long the event loop may be silent before the node reports NOT_SERVING; 0 is off. */
  readonly health: { readonly eventLoopStallMs: number };
  /** Rotation policies, purges and abandoned jobs are looked at every `intervalMs`; claims and job leases last `leaseMs`. */
  readonly maintenance: { readonly intervalMs: number; readonly leaseMs: number };
  /** The seal passphrase is never configuration: it comes from KEYHOLD_SEAL_PASSPHRASE only. */
  readonly seal: { readonly keyFile: string };
  /** `postgres` absent: the embedded SQLite store in `dataDir`. */
  readonly store: { readonly postgres?: { readonly url: string; readonly poolSize: number } };
  /** `dnsSuffix`: the Key Vault REST door serves `{hsm}.{dnsSuffix}[:port]`. */
  readonly keyVault: { readonly dnsSuffix: string };
  readonly tenant: { readonly name: string };
  readonly hsms: readonly HsmConfig[];
}
