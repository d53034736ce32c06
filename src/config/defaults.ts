/** Where the three listeners are when the configuration says nothing; clients default to the same addresses. Imports nothing, so the CLI can read it cheaply. */
export const DEFAULT_LISTEN = Object.freeze({ grpc: "127.0.0.1:7443", https: "127.0.0.1:8443", metrics: "127.0.0.1:9464" });

/** The DNS suffix of HSM host names on the Key Vault REST door (Managed HSM's is `managedhsm.azure.net`). */
export const DEFAULT_DNS_SUFFIX = "managedhsm.keyhold.local";
