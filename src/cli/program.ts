/**
 * The `keyhold` command tree. Each command group lives in its own file and exports one
 * `register...Commands(program)` function; this file names the groups and loads only the one a
 * command line calls (`await import()`), so `keyhold --help` and every client command start
 * without the server's modules. It must import nothing but commander.
 */
import { Command } from "commander";

type Register = (program: Command) => void;

interface CommandGroup {
  /** The top-level command names the group's file registers. */
  readonly names: readonly string[];
  /** One line per name, for `keyhold --help` (the group's own file repeats it). */
  readonly descriptions: readonly string[];
  readonly load: () => Promise<Register>;
}

const GROUPS: readonly CommandGroup[] = [
  {
    names: ["serve"],
    descriptions: ["run the keyhold server (gRPC data plane, HTTPS identity and management, metrics)"],
    load: async () => (await import("./serve.js")).registerServeCommand,
  },
  {
    names: ["token"],
    descriptions: ["mint an access token for a principal with the local issuer's key (prints only the token)"],
    load: async () => (await import("./token.js")).registerTokenCommand,
  },
  {
    names: ["directory"],
    descriptions: ["manage the built-in directory (users, groups, service principals, managed identities)"],
    load: async () => (await import("./directory.js")).registerDirectoryCommands,
  },
  {
    names: ["key"],
    descriptions: ["keys of an HSM and cryptography with them (gRPC data plane)"],
    load: async () => (await import("./key.js")).registerKeyCommands,
  },
  {
    names: ["rng"],
    descriptions: ["random bytes from the HSM (printed as base64url)"],
    load: async () => (await import("./rng.js")).registerRngCommands,
  },
  {
    names: ["role"],
    descriptions: ["local RBAC of an HSM: role definitions, assignments, access checks"],
    load: async () => (await import("./role.js")).registerRoleCommands,
  },
  {
    names: ["security-domain"],
    descriptions: ["the HSM's security domain: activation and recovery keys"],
    load: async () => (await import("./security-domain.js")).registerSecurityDomainCommands,
  },
  {
    names: ["backup", "restore"],
    descriptions: ["full backups of an HSM into a storage-account container", "restore an HSM, or one key, from a full backup"],
    load: async () => (await import("./backup.js")).registerBackupCommands,
  },
  { names: ["hsm"], descriptions: ["managed HSMs (management plane)"], load: async () => (await import("./hsm.js")).registerHsmCommands },
  {
    names: ["mgmt"],
    descriptions: ["management plane (Azure RBAC over the scope tree)"],
    load: async () => (await import("./mgmt.js")).registerMgmtCommands,
  },
  {
    names: ["storage"],
    descriptions: ["storage accounts and their blobs (management plane)"],
    load: async () => (await import("./storage.js")).registerStorageCommands,
  },
  {
    names: ["diagnostic-settings"],
    descriptions: ["copy an HSM's audit events into a storage account (management plane)"],
    load: async () => (await import("./diagnostic-settings.js")).registerDiagnosticSettingsCommands,
  },
  {
    names: ["audit"],
    descriptions: ["read and verify the audit journals of an HSM"],
    load: async () => (await import("./audit.js")).registerAuditCommands,
  },
  {
    names: ["bench"],
    descriptions: ["measure the crypto providers on this machine and cache the fastest for `providers: auto`"],
    load: async () => (await import("./bench.js")).registerBenchCommand,
  },
  {
    names: ["load"],
    descriptions: [
      "generate gRPC load against a running keyhold server and report ops/s, latency percentiles, errors and server CPU per operation",
    ],
    load: async () => (await import("./load.js")).registerLoadCommand,
  },
];

/** The first operand of the command line (the command group), skipping the global options; undefined for `keyhold --help`. */
function commandGroupOf(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--data-dir") i++;
    else if (arg === "help") continue;
    else if (arg === "--") return argv[i + 1];
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/**
 * The program for this command line: every group as a one-line entry for the help, and the full
 * definition of the group that `argv` calls (all of them with `"all"`, for tests that walk the tree).
 */
export async function buildProgram(argv: readonly string[] | "all" = process.argv): Promise<Command> {
  const program = new Command("keyhold")
    .description("keyhold: a self-hosted, high-throughput key management service")
    .option("--data-dir <dir>", "where keyhold keeps its state (CA, keys, journals)", process.env["KEYHOLD_DATA_DIR"] ?? "./.keyhold")
    .showHelpAfterError();
  const called = argv === "all" ? undefined : commandGroupOf(argv);
  for (const group of GROUPS) {
    if (argv === "all" || (called !== undefined && group.names.includes(called))) {
      (await group.load())(program);
    } else {
      group.names.forEach((name, i) => program.command(name).description(group.descriptions[i] ?? ""));
    }
  }
  return program;
}
