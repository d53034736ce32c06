import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ConfigError,
  environmentOptions,
  CONFIG_SCHEMA,
  isLoopbackHost,
  loadConfig,
  nodeIdFromHostname,
  parseListenAddress,
  type LoadConfigOptions,
} from "../../src/config/index.js";

const dir = mkdtempSync(join(tmpdir(), "keyhold-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The problems loadConfig reports, as "path: problem" lines. */
function problems(options: LoadConfigOptions): string[] {
  try {
    loadConfig(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => `${issue.path}: ${issue.problem}`);
  }
  throw new Error("expected loadConfig to refuse the configuration");
}

const ADMIN = "2d0a4b7e-6b5c-4f3e-9a1d-0c8e7f6a5b4c";

describe("loadConfig defaults", () => {
  it("fills every default of SPEC section 2 when nothing is given", () => {
    const config = loadConfig({ env: {} });
    expect(config.dataDir).toBe(resolve("./.keyhold"));
    expect(config.grpc.listen).toEqual({ host: "127.0.0.1", port: 7443 });
    expect(config.https.listen).toEqual({ host: "127.0.0.1", port: 8443 });
    expect(config.metrics.listen).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(config.tls).toBeUndefined();
    expect(config.insecureLoopback).toBe(false);
    expect(config.identity).toEqual({
      issuerBaseUrl: "https://127.0.0.1:8443",
      audiences: { data: "https://managedhsm.azure.net", management: "https://management.azure.com" },
      tokenTtlSeconds: 3600,
      trustedIssuers: [],
    });
    expect(config.workers.threads).toBeGreaterThanOrEqual(1);
    expect(config.workers.maxQueue).toBe(config.workers.threads * 256);
    expect(config.workers.cacheBytes).toBe(64 * 1024 * 1024);
    expect(config.providers).toEqual({ rsa: "auto", ec: "auto" });
    expect(config.audit.nodeId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
    expect(config.audit).toMatchObject({ checkpointEveryRecords: 1000, checkpointIntervalMs: 60_000 });
    expect(config.health).toEqual({ eventLoopStallMs: 5000 });
    expect(loadConfig({ env: { KEYHOLD_HEALTH_EVENT_LOOP_STALL_MS: "0" } }).health.eventLoopStallMs).toBe(0);
    expect(config.seal).toEqual({ keyFile: join(resolve("./.keyhold"), "seal.key") });
    expect(config.tenant).toEqual({ name: "dev" });
    expect(config.hsms).toEqual([]);
  });

  it("fills the defaults of an HSM", () => {
    const config = loadConfig({ overrides: { hsms: [{ name: "payments", initialAdminObjectIds: [ADMIN, "admin"] }] } });
    expect(config.hsms).toEqual([
      {
        name: "payments",
        initialAdminObjectIds: [ADMIN, "admin"],
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: false,
        networkAcls: { defaultAction: "Allow", ipRules: [] },
        publicNetworkAccess: "Enabled",
      },
    ]);
  });

  it("derives a valid node id from any host name", () => {
    expect(nodeIdFromHostname("web-1.example.com")).toBe("web-1.example.com");
    expect(nodeIdFromHostname("_weird host!")).toBe("weird-host-");
    expect(nodeIdFromHostname("???")).toBe("node");
  });
});

describe("loadConfig files", () => {
  const yaml = `
dataDir: /var/lib/keyhold
grpc:
  listen: "0.0.0.0:7443"
https:
  listen: "[::1]:0"
tls:
  certFile: /etc/keyhold/server.pem
  keyFile: /etc/keyhold/server-key.pem
workers:
  threads: 2
providers:
  rsa: wasm
identity:
  trustedIssuers:
    - issuer: https://login.example.com/tenant/v2.0
      jwksUri: https://login.example.com/keys
      audiences: { data: api://keyhold }
hsms:
  - name: payments
    initialAdminObjectIds: [${ADMIN}]
    softDeleteRetentionInDays: 7
    enablePurgeProtection: true
    networkAcls:
      defaultAction: Deny
      ipRules: [10.0.0.0/8, 192.168.1.7, "2001:db8::/32"]
`;

  it("reads YAML, with port 0 and an IPv6 listener", () => {
    const config = loadConfig({ file: configFile("keyhold.yaml", yaml), env: {} });
    expect(config.dataDir).toBe("/var/lib/keyhold");
    expect(config.grpc.listen).toEqual({ host: "0.0.0.0", port: 7443 });
    expect(config.https.listen).toEqual({ host: "::1", port: 0 });
    expect(config.identity.issuerBaseUrl).toBe("https://[::1]:0");
    expect(config.tls).toEqual({ certFile: "/etc/keyhold/server.pem", keyFile: "/etc/keyhold/server-key.pem" });
    expect(config.workers).toEqual({ threads: 2, maxQueue: 512, cacheBytes: 64 * 1024 * 1024 });
    expect(config.providers).toEqual({ rsa: "wasm", ec: "auto" });
    expect(config.identity.trustedIssuers).toEqual([
      {
        issuer: "https://login.example.com/tenant/v2.0",
        jwksUri: "https://login.example.com/keys",
        audiences: { data: "api://keyhold" },
        objectIdClaim: "oid",
        groupsClaim: "groups",
      },
    ]);
    expect(config.hsms[0]).toMatchObject({
      softDeleteRetentionInDays: 7,
      enablePurgeProtection: true,
      networkAcls: { defaultAction: "Deny", ipRules: ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"] },
    });
  });

  it("reads JSON to the same configuration", () => {
    const json = {
      dataDir: "/var/lib/keyhold",
      grpc: { listen: "0.0.0.0:7443" },
      https: { listen: "[::1]:0" },
      hsms: [{ name: "payments", initialAdminObjectIds: [ADMIN], softDeleteRetentionInDays: 7 }],
    };
    const fromJson = loadConfig({ file: configFile("keyhold.json", JSON.stringify(json)), env: {} });
    const fromYaml = loadConfig({ file: configFile("same.yaml", yaml), env: {} });
    expect(fromJson.grpc).toEqual(fromYaml.grpc);
    expect(fromJson.https).toEqual(fromYaml.https);
    expect(fromJson.hsms[0]?.softDeleteRetentionInDays).toBe(7);
  });

  it("treats an empty file as all defaults", () => {
    expect(loadConfig({ file: configFile("empty.yaml", ""), env: {} }).grpc.listen.port).toBe(7443);
  });

  it("names unreadable, malformed and non-mapping files", () => {
    expect(() => loadConfig({ file: join(dir, "absent.yaml") })).toThrow(/^--config: cannot read .*absent\.yaml \(ENOENT\)/);
    expect(() => loadConfig({ file: configFile("bad.json", "{ nope") })).toThrow(/^--config: .*bad\.json is not valid JSON/);
    expect(() => loadConfig({ file: configFile("bad.yaml", "grpc:\n  listen: a\n  listen: b\n") })).toThrow(
      /^--config: .*bad\.yaml is not valid YAML at line 3 \(DUPLICATE_KEY\)/,
    );
    expect(() => loadConfig({ file: configFile("list.yaml", "- a\n- b\n") })).toThrow(/must hold a mapping of options at the top level/);
  });

  it("says in the error which file was wrong", () => {
    const file = configFile("wrong.yaml", "workers:\n  threads: 0\n");
    expect(() => loadConfig({ file })).toThrow(ConfigError);
    expect(() => loadConfig({ file })).toThrow(`Invalid configuration (${file}):\n  workers.threads: must be an integer from 1 to 256`);
  });
});

describe("loadConfig errors name the field", () => {
  const hsm = (extra: Record<string, unknown>): LoadConfigOptions => ({
    overrides: { hsms: [{ name: "payments", initialAdminObjectIds: [ADMIN], ...extra }] },
  });
  const fromFile = (text: string): LoadConfigOptions => ({
    file: configFile(`case-${Math.random().toString(36).slice(2)}.yaml`, text),
    env: {},
  });

  it.each([
    [
      "hsms:\n  - name: payments\n    initialAdminObjectIds: [a]\n    softDeleteRetentionInDays: 91\n",
      "hsms[0].softDeleteRetentionInDays: must be an integer from 7 to 90",
    ],
    [
      "hsms:\n  - name: payments\n    initialAdminObjectIds: [a]\n    softDeleteRetentionInDays: 7.5\n",
      "hsms[0].softDeleteRetentionInDays: must be an integer from 7 to 90",
    ],
    [
      "grpcc:\n  listen: 127.0.0.1:1\n",
      "grpcc: unknown option; expected one of dataDir, processes, grpc, https, metrics, tls, insecureLoopback, identity, workers, providers, audit, health, maintenance, seal, store, keyVault, tenant, hsms",
    ],
    [
      "grpc:\n  listen: 127.0.0.1:65536\n",
      "grpc.listen: must be HOST:PORT with a port from 0 to 65535 (IPv6 in brackets, e.g. [::1]:7443)",
    ],
    ["keyVault:\n  dnsSuffix: local\n", "keyVault.dnsSuffix: must be a DNS name of two or more labels, e.g. managedhsm.keyhold.local"],
    ["grpc:\n  listen: ::1:7443\n", "grpc.listen: must be HOST:PORT with a port from 0 to 65535 (IPv6 in brackets, e.g. [::1]:7443)"],
    ["grpc:\n  listen: 7443\n", "grpc.listen: must be HOST:PORT with a port from 0 to 65535 (IPv6 in brackets, e.g. [::1]:7443)"],
    ["grpc: 7443\n", "grpc: must be a mapping of options"],
    ["tls:\n  certFile: /a.pem\n", "tls.keyFile: is required"],
    ["insecureLoopback: yes please\n", "insecureLoopback: must be true or false"],
    ["providers:\n  ec: wasm\n", "providers.ec: must be one of native, noble, auto"],
    ["identity:\n  issuerBaseUrl: http://x\n", "identity.issuerBaseUrl: must be https://host[:port] with no path"],
    ["identity:\n  tokenTtlSeconds: 10\n", "identity.tokenTtlSeconds: must be an integer from 60 to 86400"],
    [
      "identity:\n  trustedIssuers:\n    - issuer: https://i\n      audiences: { data: x }\n",
      "identity.trustedIssuers[0].jwksFile: give exactly one of jwksFile and jwksUri",
    ],
    [
      "identity:\n  trustedIssuers:\n    - issuer: https://i\n      jwksUri: http://i/keys\n      audiences: { data: x }\n",
      "identity.trustedIssuers[0].jwksUri: must be an https URL",
    ],
    [
      "identity:\n  trustedIssuers:\n    - issuer: https://i\n      jwksFile: /k.json\n      audiences: {}\n",
      "identity.trustedIssuers[0].audiences: must name the audience of at least one plane (data, management)",
    ],
    ["workers:\n  cacheBytes: 10\n", "workers.cacheBytes: must be an integer from 1048576 to 68719476736"],
    ["audit:\n  nodeId: ../etc\n", "audit.nodeId: must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"],
    ["audit:\n  checkpointIntervalMs: -1\n", "audit.checkpointIntervalMs: must be an integer from 0 to 86400000"],
    [
      "seal:\n  passphrase: hunter2\n",
      "seal.passphrase: must not be in the configuration; set the environment variable KEYHOLD_SEAL_PASSPHRASE",
    ],
    ["tenant:\n  name: ''\n", "tenant.name: must be a non-empty string"],
    ["hsms: {}\n", "hsms: must be a list"],
  ])("%j", (text, expected) => {
    expect(problems(fromFile(text))).toEqual([expected]);
  });

  it.each([
    [{ name: "ab" }, "hsms[0].name: must be 3 to 24 letters, digits or hyphens"],
    [{ name: "keyhold-management" }, 'hsms[0].name: "keyhold-management" is reserved'],
    [{ initialAdminObjectIds: [] }, "hsms[0].initialAdminObjectIds: must hold 1 to 100 items"],
    [{ initialAdminObjectIds: [""] }, "hsms[0].initialAdminObjectIds[0]: must be a non-empty string"],
    [{ enablePurgeProtection: "true" }, "hsms[0].enablePurgeProtection: must be true or false"],
    [{ networkAcls: { defaultAction: "deny" } }, "hsms[0].networkAcls.defaultAction: must be one of Allow, Deny"],
    [
      { networkAcls: { ipRules: ["10.0.0.0/33"] } },
      "hsms[0].networkAcls.ipRules[0]: must be an IP address or CIDR range, e.g. 10.0.0.0/8 or 2001:db8::/32",
    ],
    [
      { networkAcls: { ipRules: ["example.com"] } },
      "hsms[0].networkAcls.ipRules[0]: must be an IP address or CIDR range, e.g. 10.0.0.0/8 or 2001:db8::/32",
    ],
    [{ publicNetworkAccess: "On" }, "hsms[0].publicNetworkAccess: must be one of Enabled, Disabled"],
    [
      { retention: 7 },
      "hsms[0].retention: unknown option; expected one of name, initialAdminObjectIds, softDeleteRetentionInDays, enablePurgeProtection, networkAcls, publicNetworkAccess",
    ],
  ])("HSM %j", (extra, expected) => {
    expect(problems(hsm(extra)).map((line) => line.replace(" (from command line)", ""))).toEqual([expected]);
  });

  it("reports a missing HSM name and duplicate names", () => {
    expect(problems({ overrides: { hsms: [{ initialAdminObjectIds: [ADMIN] }] } })).toEqual([
      "hsms[0].name (from command line): is required",
    ]);
    const twice = {
      hsms: [
        { name: "pay", initialAdminObjectIds: [ADMIN] },
        { name: "PAY", initialAdminObjectIds: [ADMIN] },
      ],
    };
    expect(problems({ overrides: twice })).toEqual(['hsms[1].name (from command line): "PAY" is already the name of hsms[0]']);
  });

  it("lists every problem at once", () => {
    expect(problems(fromFile("workers:\n  threads: 0\n  maxQueue: 0\nproviders:\n  rsa: x\n"))).toEqual([
      "workers.threads: must be an integer from 1 to 256",
      "workers.maxQueue: must be an integer from 1 to 1000000",
      "providers.rsa: must be one of native, wasm, auto",
    ]);
  });

  it("refuses insecureLoopback unless every listener is a loopback address", () => {
    expect(problems({ env: {}, overrides: { insecureLoopback: true, grpc: { listen: "0.0.0.0:7443" } } })).toEqual([
      "insecureLoopback (from command line): is refused because grpc.listen 0.0.0.0:7443 is not a loopback address",
    ]);
    const loopback = loadConfig({
      env: {},
      overrides: {
        insecureLoopback: true,
        grpc: { listen: "[::1]:0" },
        https: { listen: "localhost:0" },
        metrics: { listen: "127.0.0.2:0" },
      },
    });
    expect(loopback.insecureLoopback).toBe(true);
  });
});

describe("environment and flags", () => {
  it("has a KEYHOLD_ variable for every option outside lists", () => {
    const variables = environmentOptions(CONFIG_SCHEMA).map((option) => option.variable);
    expect(variables).toEqual(
      expect.arrayContaining([
        "KEYHOLD_DATA_DIR",
        "KEYHOLD_GRPC_LISTEN",
        "KEYHOLD_WORKERS_THREADS",
        "KEYHOLD_TLS_CERT_FILE",
        "KEYHOLD_TLS_CA_FILE",
        "KEYHOLD_SEAL_KEY_FILE",
        "KEYHOLD_MAINTENANCE_INTERVAL_MS",
        "KEYHOLD_MAINTENANCE_LEASE_MS",
        "KEYHOLD_IDENTITY_AUDIENCES_DATA",
        "KEYHOLD_IDENTITY_TOKEN_TTL_SECONDS",
        "KEYHOLD_IDENTITY_TRUSTED_ISSUERS",
        "KEYHOLD_AUDIT_CHECKPOINT_INTERVAL_MS",
        "KEYHOLD_INSECURE_LOOPBACK",
        "KEYHOLD_HSMS",
      ]),
    );
    expect(variables).not.toContain("KEYHOLD_SEAL_PASSPHRASE");
  });

  it("lets variables override the file and flags override both", () => {
    const file = configFile("layers.yaml", "grpc:\n  listen: 127.0.0.1:1000\nhttps:\n  listen: 127.0.0.1:2000\nworkers:\n  threads: 1\n");
    const env = {
      KEYHOLD_GRPC_LISTEN: "127.0.0.1:0",
      KEYHOLD_HTTPS_LISTEN: "127.0.0.1:3000",
      KEYHOLD_WORKERS_THREADS: "3",
      KEYHOLD_INSECURE_LOOPBACK: "true",
    };
    const config = loadConfig({ file, env, overrides: { https: { listen: "127.0.0.1:4000" } } });
    expect(config.grpc.listen.port).toBe(0);
    expect(config.https.listen.port).toBe(4000);
    expect(config.workers.threads).toBe(3);
    expect(config.insecureLoopback).toBe(true);
  });

  it("takes lists as JSON and treats an empty variable as unset", () => {
    const hsms = JSON.stringify([{ name: "from-env", initialAdminObjectIds: [ADMIN] }]);
    const config = loadConfig({ env: { KEYHOLD_HSMS: hsms, KEYHOLD_TENANT_NAME: "" } });
    expect(config.hsms.map((h) => h.name)).toEqual(["from-env"]);
    expect(config.tenant.name).toBe("dev");
  });

  it("names the variable a bad value came from", () => {
    expect(problems({ env: { KEYHOLD_WORKERS_THREADS: "many" } })).toEqual([
      "workers.threads (from KEYHOLD_WORKERS_THREADS): must be an integer from 1 to 256",
    ]);
    expect(problems({ env: { KEYHOLD_INSECURE_LOOPBACK: "maybe" } })).toEqual([
      "insecureLoopback (from KEYHOLD_INSECURE_LOOPBACK): must be true or false",
    ]);
    expect(problems({ env: { KEYHOLD_HSMS: "[{" } })).toEqual(["hsms: KEYHOLD_HSMS must hold a JSON list"]);
    expect(
      problems({ env: { KEYHOLD_HSMS: JSON.stringify([{ name: "pay", initialAdminObjectIds: [ADMIN], softDeleteRetentionInDays: 3 }]) } }),
    ).toEqual(["hsms[0].softDeleteRetentionInDays (from KEYHOLD_HSMS): must be an integer from 7 to 90"]);
  });
});

describe("processes", () => {
  it("is 1 by default, a number from the file, the variable or the flag, and one per core for auto", () => {
    expect(loadConfig({ env: {} }).processes).toBe(1);
    expect(loadConfig({ file: configFile("processes.yaml", "processes: 3\n"), env: {} }).processes).toBe(3);
    expect(loadConfig({ env: { KEYHOLD_PROCESSES: "4" } }).processes).toBe(4);
    expect(loadConfig({ env: { KEYHOLD_PROCESSES: "4" }, overrides: { processes: 2 } }).processes).toBe(2);
    expect(loadConfig({ env: { KEYHOLD_PROCESSES: "auto" } }).processes).toBe(availableParallelism());
  });

  it("gives each node's crypto pool its share of the cores unless workers.threads is set", () => {
    const cores = availableParallelism();
    expect(loadConfig({ env: {} }).workers.threads).toBe(cores);
    expect(loadConfig({ env: { KEYHOLD_PROCESSES: "auto" } }).workers.threads).toBe(1);
    expect(loadConfig({ env: { KEYHOLD_PROCESSES: String(cores * 4) } }).workers.threads).toBe(1);
    expect(loadConfig({ env: { KEYHOLD_PROCESSES: "2", KEYHOLD_WORKERS_THREADS: "3" } }).workers.threads).toBe(3);
  });

  it("refuses anything else, naming the field and where it came from", () => {
    expect(problems({ env: {}, overrides: { processes: 0 } })).toEqual([
      "processes (from command line): must be an integer from 1 to 1024 or auto",
    ]);
    expect(problems({ env: { KEYHOLD_PROCESSES: "many" } })).toEqual([
      "processes (from KEYHOLD_PROCESSES): must be an integer from 1 to 1024 or auto",
    ]);
    expect(problems({ file: configFile("processes-bad.yaml", "processes: 2.5\n"), env: {} })).toEqual([
      "processes: must be an integer from 1 to 1024 or auto",
    ]);
  });

  it("leaves room in the node id for each node's -<n>, and refuses a configured id too long for it", () => {
    const longId = "n".repeat(63);
    expect(loadConfig({ env: { KEYHOLD_AUDIT_NODE_ID: longId } }).audit.nodeId).toBe(longId);
    expect(problems({ env: { KEYHOLD_AUDIT_NODE_ID: longId, KEYHOLD_PROCESSES: "2" } })).toEqual([
      "audit.nodeId (from KEYHOLD_AUDIT_NODE_ID): is too long for 2 processes (node ids <nodeId>-<n> have at most 64 characters)",
    ]);
    const derived = loadConfig({ env: { KEYHOLD_PROCESSES: "12" } }).audit.nodeId;
    expect(`${derived}-12`).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
  });
});

describe("listen addresses", () => {
  it("parses IPv4, bracketed IPv6, names and port 0", () => {
    expect(parseListenAddress("--grpc-listen", "[::]:0")).toEqual({ host: "::", port: 0 });
    expect(parseListenAddress("--grpc-listen", "keyhold.internal:443")).toEqual({ host: "keyhold.internal", port: 443 });
    expect(() => parseListenAddress("--grpc-listen", "[localhost]:1")).toThrow(/^--grpc-listen: must be HOST:PORT/);
  });

  it("knows the loopback addresses", () => {
    for (const host of ["localhost", "127.0.0.1", "127.8.9.10", "::1"]) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "keyhold.internal", "128.0.0.1"]) expect(isLoopbackHost(host)).toBe(false);
  });
});

describe("loadConfig store", () => {
  it("uses the embedded store unless PostgreSQL is configured, from the file or KEYHOLD_STORE_POSTGRES_*", () => {
    expect(loadConfig({ env: {} }).store).toEqual({});
    expect(loadConfig({ env: { KEYHOLD_STORE_POSTGRES_URL: "postgres://keyhold@db:5432/keyhold" } }).store).toEqual({
      postgres: { url: "postgres://keyhold@db:5432/keyhold", poolSize: 10 },
    });
    expect(
      loadConfig({ env: { KEYHOLD_STORE_POSTGRES_URL: "postgresql://db/keyhold", KEYHOLD_STORE_POSTGRES_POOL_SIZE: "32" } }).store.postgres,
    ).toEqual({ url: "postgresql://db/keyhold", poolSize: 32 });
    const yaml = "store:\n  postgres:\n    url: postgres://db/k\n    poolSize: 4\n";
    expect(loadConfig({ file: configFile("pg.yaml", yaml), env: {} }).store.postgres).toEqual({ url: "postgres://db/k", poolSize: 4 });
  });

  it("refuses a URL that is not postgres://, a pool size out of range, and a pool size without a URL, naming the option", () => {
    expect(problems({ env: { KEYHOLD_STORE_POSTGRES_URL: "mysql://db/k" } })).toEqual([
      "store.postgres.url (from KEYHOLD_STORE_POSTGRES_URL): must be a postgres://user@host[:port]/database URL",
    ]);
    expect(problems({ env: { KEYHOLD_STORE_POSTGRES_URL: "postgres://db/k", KEYHOLD_STORE_POSTGRES_POOL_SIZE: "0" } }).join("\n")).toMatch(
      /^store\.postgres\.poolSize \(from KEYHOLD_STORE_POSTGRES_POOL_SIZE\): /m,
    );
    expect(problems({ env: { KEYHOLD_STORE_POSTGRES_POOL_SIZE: "5" } }).join("\n")).toMatch(/store\.postgres.*url/);
  });
});
