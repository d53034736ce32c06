/** Every configuration option (SPEC section 2) with its type, range and static default. */
import { HSM_NAME, HSM_NAME_RULE, NODE_ID, RESERVED_HSM_NAME } from "../audit/paths.js";
import { PROVIDERS_BY_FAMILY, type ProviderFamily } from "../crypto/providers/index.js";
import { parseIpRule } from "../pipeline/network-rules.js";
import { DEFAULT_AUDIENCES } from "../identity/planes.js";
import { DEFAULT_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS } from "../identity/issuer-settings.js";
import type { ObjectNode, SchemaNode } from "./schema-node.js";
import { DEFAULT_DNS_SUFFIX, DEFAULT_LISTEN } from "./defaults.js";
import { HOSTNAME } from "./listen-address.js";

const MIB = 1024 * 1024;

/** Managed HSM names, as the audit journals take them; the management plane's own name is reserved. */
function hsmNameProblem(name: string): string | undefined {
  if (!HSM_NAME.test(name)) return HSM_NAME_RULE;
  if (name.toLowerCase() === RESERVED_HSM_NAME) return `"${RESERVED_HSM_NAME}" is reserved`;
  return undefined;
}

/** An address or CIDR range, IPv4 or IPv6 (Azure networkAcls.ipRules accept both forms), read as the firewall reads it. */
function cidrProblem(rule: string): string | undefined {
  return parseIpRule(rule) === undefined ? "must be an IP address or CIDR range, e.g. 10.0.0.0/8 or 2001:db8::/32" : undefined;
}

function httpsUrlProblem(text: string): string | undefined {
  try {
    return new URL(text).protocol === "https:" ? undefined : "must be an https URL";
  } catch {
    return "must be an absolute https URL";
  }
}

function issuerBaseUrlProblem(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol === "https:" && url.pathname === "/" && url.search === "" && url.hash === "") return undefined;
  } catch {
    // Reported below as the one message.
  }
  return "must be https://host[:port] with no path";
}

/** A libpq connection URL (postgres:// or postgresql://); its password, if any, is never echoed back. */
function postgresUrlProblem(text: string): string | undefined {
  try {
    const url = new URL(text);
    if ((url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "") return undefined;
  } catch {
    // Reported below as the one message.
  }
  return "must be a postgres://user@host[:port]/database URL";
}

/** A DNS name of at least two labels (`managedhsm.keyhold.local`): HSM names are put in front of it. */
function dnsSuffixProblem(text: string): string | undefined {
  return HOSTNAME.test(text) && text.includes(".") ? undefined : "must be a DNS name of two or more labels, e.g. managedhsm.keyhold.local";
}

function lengthProblem(max: number): (text: string) => string | undefined {
  return (text) => (text.trim().length === 0 || text.length > max ? `must have 1 to ${max} characters` : undefined);
}

/** A family's providers, plus `auto` for the one `keyhold bench` measured fastest. */
const providerChoice = (family: ProviderFamily): SchemaNode => ({
  kind: "enum",
  values: [...PROVIDERS_BY_FAMILY[family], "auto"],
  default: "auto",
});

const string = (extra: Partial<Extract<SchemaNode, { kind: "string" }>> = {}): SchemaNode => ({ kind: "string", ...extra });
const integer = (min: number, max: number, defaultValue?: number): SchemaNode =>
  defaultValue === undefined ? { kind: "integer", min, max } : { kind: "integer", min, max, default: defaultValue };

const TRUSTED_ISSUER: ObjectNode = {
  kind: "object",
  required: ["issuer", "audiences"],
  fields: {
    issuer: string({ check: lengthProblem(2048) }),
    jwksFile: string(),
    jwksUri: string({ check: httpsUrlProblem }),
    audiences: { kind: "object", fields: { data: string(), management: string() } },
    objectIdClaim: string({ default: "oid" }),
    groupsClaim: string({ default: "groups" }),
    tenantId: string(),
  },
};

const HSM: ObjectNode = {
  kind: "object",
  required: ["name", "initialAdminObjectIds"],
  fields: {
    name: string({ check: hsmNameProblem }),
    initialAdminObjectIds: { kind: "array", item: string({ check: lengthProblem(256) }), minItems: 1, maxItems: 100 },
    softDeleteRetentionInDays: integer(7, 90, 90),
    enablePurgeProtection: { kind: "boolean", default: false },
    networkAcls: {
      kind: "object",
      fields: {
        defaultAction: { kind: "enum", values: ["Allow", "Deny"], default: "Allow" },
        ipRules: { kind: "array", item: string({ check: cidrProblem }), maxItems: 1000 },
      },
    },
    publicNetworkAccess: { kind: "enum", values: ["Enabled", "Disabled"], default: "Enabled" },
  },
};

export const CONFIG_SCHEMA: ObjectNode = {
  kind: "object",
  fields: {
    dataDir: string({ default: "./.keyhold" }),
    // Nodes (processes) on this machine sharing the listening ports (SPEC section 14); `auto` is one per core.
    processes: { kind: "integer", min: 1, max: 1024, default: 1, orAuto: true },
    grpc: { kind: "object", fields: { listen: { kind: "listen", default: DEFAULT_LISTEN.grpc } } },
    https: { kind: "object", fields: { listen: { kind: "listen", default: DEFAULT_LISTEN.https } } },
    metrics: { kind: "object", fields: { listen: { kind: "listen", default: DEFAULT_LISTEN.metrics } } },
    // caFile: the CA that issued certFile, which the node's own clients (and every node of a cluster) trust.
    tls: {
      kind: "object",
      optional: true,
      required: ["certFile", "keyFile"],
      fields: { certFile: string(), keyFile: string(), caFile: string() },
    },
    insecureLoopback: { kind: "boolean", default: false },
    identity: {
      kind: "object",
      fields: {
        issuerBaseUrl: string({ check: issuerBaseUrlProblem }),
        audiences: {
          kind: "object",
          fields: { data: string({ default: DEFAULT_AUDIENCES.data }), management: string({ default: DEFAULT_AUDIENCES.management }) },
        },
        tokenTtlSeconds: integer(MIN_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, DEFAULT_TOKEN_TTL_SECONDS),
        trustedIssuers: { kind: "array", item: TRUSTED_ISSUER, maxItems: 100 },
      },
    },
    workers: {
      kind: "object",
      fields: {
        threads: integer(1, 256),
        maxQueue: integer(1, 1_000_000),
        cacheBytes: integer(MIB, 64 * 1024 * MIB, 64 * MIB),
      },
    },
    providers: {
      kind: "object",
      fields: {
        rsa: providerChoice("rsa"),
        ec: providerChoice("ec"),
      },
    },
    audit: {
      kind: "object",
      fields: {
        nodeId: string({
          check: (id) =>
            NODE_ID.test(id) ? undefined : "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        }),
        checkpointEveryRecords: integer(1, 1_000_000, 1000),
        // 0 turns the timer off; records still trigger checkpoints.
        checkpointIntervalMs: integer(0, 24 * 3600 * 1000, 60_000),
      },
    },
    health: {
      kind: "object",
      fields: {
        // An event loop silent this long makes the node NOT_SERVING (src/server/event-loop-watchdog.ts); 0 turns the watchdog off.
        eventLoopStallMs: integer(0, 3600 * 1000, 5000),
      },
    },
    // Work done once across the nodes sharing a store (SPEC section 14): how often each node looks for it, and how
    // long a claim or a job's lease outlives a node that stopped renewing it before another node takes over.
    maintenance: {
      kind: "object",
      fields: {
        intervalMs: integer(100, 24 * 3600 * 1000, 60_000),
        leaseMs: integer(300, 24 * 3600 * 1000, 30_000),
      },
    },
    seal: {
      kind: "object",
      fields: { keyFile: string() },
      forbidden: { passphrase: "must not be in the configuration; set the environment variable KEYHOLD_SEAL_PASSPHRASE" },
    },
    // Absent: the embedded SQLite store in dataDir. Set: every node sharing the database shares the store (SPEC section 14).
    store: {
      kind: "object",
      fields: {
        postgres: {
          kind: "object",
          optional: true,
          required: ["url"],
          fields: { url: string({ check: postgresUrlProblem }), poolSize: integer(1, 1000, 10) },
        },
      },
    },
    // The Key Vault REST door finds the HSM by Host header: `{hsm}.{dnsSuffix}[:port]` (SPEC section 13).
    keyVault: { kind: "object", fields: { dnsSuffix: string({ default: DEFAULT_DNS_SUFFIX, check: dnsSuffixProblem }) } },
    tenant: { kind: "object", fields: { name: string({ default: "dev", check: lengthProblem(256) }) } },
    hsms: { kind: "array", item: HSM, maxItems: 1000 },
  },
};
