import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { KeyholdError, badParameter } from "../errors.js";
import { ServicePrincipalCredentials } from "../identity/credentials.js";
import { Directory } from "../identity/directory.js";
import { directoryObjectToGraph, groupToGraph, servicePrincipalToGraph, userToGraph } from "../identity/graph.js";
import type { PrincipalKind, PrincipalRecord, TenantRecord } from "../store/records.js";
import { openConfiguredStore } from "../store/index.js";

/**
 * `keyhold directory ...`: the operator's tool over the data dir's store
 * (no server, no token). Prints JSON in the Graph v1.0 shapes.
 */

interface KindCommand {
  readonly command: string;
  readonly kind: Exclude<PrincipalKind, never>;
  readonly label: string;
  readonly toJson: (p: PrincipalRecord) => object;
}

const KINDS: readonly KindCommand[] = [
  { command: "user", kind: "user", label: "user", toJson: userToGraph },
  { command: "group", kind: "group", label: "group", toJson: groupToGraph },
  { command: "sp", kind: "servicePrincipal", label: "service principal", toJson: servicePrincipalToGraph },
  { command: "mi", kind: "managedIdentity", label: "managed identity", toJson: servicePrincipalToGraph },
];

export interface DirectorySession {
  readonly dataDir: string;
  readonly directory: Directory;
  readonly credentials: ServicePrincipalCredentials;
}

/**
 * Opens the store of the global --data-dir (or the shared database KEYHOLD_STORE_POSTGRES_URL names, as the server
 * does), runs work, closes it, and reports a KeyholdError plainly.
 */
export async function withDirectory(program: Command, work: (session: DirectorySession) => Promise<void>): Promise<void> {
  const dataDir = String(program.opts<{ dataDir: string }>().dataDir);
  const store = await openConfiguredStore(dataDir);
  try {
    const directory = new Directory(store);
    await work({ dataDir, directory, credentials: new ServicePrincipalCredentials(directory) });
  } catch (error) {
    if (!(error instanceof KeyholdError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await store.close();
  }
}

/** The tenant named by --tenant (id or name), or the only tenant there is. */
export async function chooseTenant(directory: Directory, tenant: string | undefined): Promise<TenantRecord> {
  if (tenant !== undefined) {
    const found = await directory.findTenant(tenant);
    if (found === undefined) throw new KeyholdError("NotFound", `Tenant ${JSON.stringify(tenant)} does not exist.`);
    return found;
  }
  const tenants = await directory.listTenants();
  const [only] = tenants;
  if (tenants.length !== 1 || only === undefined) {
    throw badParameter(
      "--tenant",
      tenants.length === 0 ? "no tenant exists yet; create one with `keyhold directory tenant create`" : "several tenants exist; name one",
    );
  }
  return only;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function registerDirectoryCommands(program: Command): void {
  const directoryCommand = program
    .command("directory")
    .description("manage the built-in directory (users, groups, service principals, managed identities)");
  registerTenantCommands(program, directoryCommand);
  for (const kind of KINDS) registerKindCommands(program, directoryCommand, kind);
  registerAdministratorCommands(program, directoryCommand);
}

function registerTenantCommands(program: Command, parent: Command): void {
  const tenant = parent.command("tenant").description("tenants of the directory");
  tenant
    .command("create")
    .description("create a tenant")
    .requiredOption("--name <name>", "tenant name")
    .option("--id <guid>", "tenant id (default: a random GUID)")
    .action((options: { name: string; id?: string }) =>
      withDirectory(program, async ({ directory }) => {
        printJson(await directory.createTenant({ name: options.name, ...(options.id === undefined ? {} : { id: options.id }) }));
      }),
    );
  tenant
    .command("list")
    .description("list tenants")
    .action(() => withDirectory(program, async ({ directory }) => printJson(await directory.listTenants())));
}

/** The principal of this kind whose display name (or, for users, userPrincipalName) is the one given, compared as findPrincipal does. */
async function sameName(
  directory: Directory,
  tenantId: string,
  kind: PrincipalKind,
  displayName: string,
  upn: string | undefined,
): Promise<PrincipalRecord | undefined> {
  const name = displayName.toLowerCase();
  const userPrincipalName = upn?.toLowerCase();
  return (await directory.listPrincipals(tenantId, kind)).find(
    (p) =>
      p.displayName.toLowerCase() === name || (userPrincipalName !== undefined && p.userPrincipalName?.toLowerCase() === userPrincipalName),
  );
}

function registerKindCommands(program: Command, parent: Command, spec: KindCommand): void {
  const group = parent.command(spec.command).description(`${spec.label}s`).option("--tenant <id|name>", "tenant (default: the only one)");
  const tenantOption = () => group.opts<{ tenant?: string }>().tenant;
  const create = group.command("create").description(`create a ${spec.label}`).requiredOption("--display-name <name>", "display name");
  if (spec.kind === "user") {
    create
      .requiredOption("--upn <userPrincipalName>", "user principal name, e.g. ada@contoso")
      .option("--password <password>", "initial password (default: a random one, printed once)")
      .option("--disabled", "create the account disabled");
  }
  if (spec.kind === "servicePrincipal") create.option("--app-id <guid>", "application (client) id (default: a random GUID)");
  if (spec.kind === "managedIdentity") create.option("--client-id <guid>", "client id (default: a random GUID)");
  create.option(
    "--if-not-exists",
    `print the existing ${spec.label} of that ${spec.kind === "user" ? "name or userPrincipalName" : "display name"} instead of refusing it`,
  );
  create.action(
    (options: {
      displayName: string;
      upn?: string;
      password?: string;
      disabled?: boolean;
      appId?: string;
      clientId?: string;
      ifNotExists?: boolean;
    }) =>
      withDirectory(program, async ({ directory }) => {
        const tenant = await chooseTenant(directory, tenantOption());
        // A second principal of the same name would make every later `show NAME` ambiguous: refuse it, or reuse it when asked.
        const existing = await sameName(directory, tenant.id, spec.kind, options.displayName, options.upn);
        if (existing !== undefined) {
          if (options.ifNotExists === true) return printJson(spec.toJson(existing));
          const what =
            spec.kind === "user" && options.upn !== undefined && existing.userPrincipalName?.toLowerCase() === options.upn.toLowerCase()
              ? `userPrincipalName ${JSON.stringify(options.upn)}`
              : `display name ${JSON.stringify(options.displayName)}`;
          throw new KeyholdError(
            "Conflict",
            `A ${spec.label} with the ${what} already exists (id ${existing.id}); add --if-not-exists to reuse it, or choose another name.`,
          );
        }
        if (spec.kind === "user") {
          const password = options.password ?? randomBytes(18).toString("base64url");
          const user = await directory.createUser(tenant.id, {
            userPrincipalName: options.upn ?? "",
            displayName: options.displayName,
            password,
            enabled: options.disabled !== true,
          });
          printJson({ ...userToGraph(user), ...(options.password === undefined ? { passwordProfile: { password } } : {}) });
          return;
        }
        const created =
          spec.kind === "group"
            ? await directory.createGroup(tenant.id, { displayName: options.displayName })
            : spec.kind === "servicePrincipal"
              ? await directory.createServicePrincipal(tenant.id, {
                  displayName: options.displayName,
                  ...(options.appId === undefined ? {} : { appId: options.appId }),
                })
              : await directory.createManagedIdentity(tenant.id, {
                  displayName: options.displayName,
                  ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
                });
        printJson(spec.toJson(created));
      }),
  );

  group
    .command("list")
    .description(`list ${spec.label}s`)
    .action(() =>
      withDirectory(program, async ({ directory }) => {
        const tenant = await chooseTenant(directory, tenantOption());
        printJson((await directory.listPrincipals(tenant.id, spec.kind)).map(spec.toJson));
      }),
    );

  const find = async (directory: Directory, name: string) => {
    const tenant = await chooseTenant(directory, tenantOption());
    return { tenant, principal: await directory.findPrincipal(tenant.id, name, spec.kind) };
  };
  group
    .command("show <name-or-id>")
    .description(`show a ${spec.label}${spec.kind === "group" ? " and its direct members" : ""}`)
    .action((name: string) =>
      withDirectory(program, async ({ directory, credentials }) => {
        const { tenant, principal } = await find(directory, name);
        const extra =
          spec.kind === "group"
            ? { members: (await directory.listMembers(tenant.id, principal.id)).map(directoryObjectToGraph) }
            : spec.kind === "servicePrincipal"
              ? { credentials: await credentials.list(tenant.id, principal.id) }
              : {};
        printJson({ ...spec.toJson(principal), ...extra });
      }),
    );
  for (const [verb, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    group
      .command(`${verb} <name-or-id>`)
      .description(`${verb} a ${spec.label}; takes effect on its next call`)
      .action((name: string) =>
        withDirectory(program, async ({ directory }) => {
          const { tenant, principal } = await find(directory, name);
          printJson(spec.toJson(await directory.setEnabled(tenant.id, principal.id, enabled)));
        }),
      );
  }
  group
    .command("delete <name-or-id>")
    .description(`delete a ${spec.label} and its memberships`)
    .action((name: string) =>
      withDirectory(program, async ({ directory }) => {
        const { tenant, principal } = await find(directory, name);
        await directory.deletePrincipal(tenant.id, principal.id);
        printJson({ deleted: principal.id });
      }),
    );

  if (spec.kind === "group") registerMembershipCommands(program, group, tenantOption);
  if (spec.kind === "servicePrincipal") registerCredentialCommands(program, group, tenantOption);
}

function registerMembershipCommands(program: Command, group: Command, tenantOption: () => string | undefined): void {
  for (const [verb, adding] of [
    ["add-member", true],
    ["remove-member", false],
  ] as const) {
    group
      .command(`${verb} <group> <member>`)
      .description(adding ? "add a user, group, service principal or managed identity to a group" : "remove a direct member from a group")
      .option(
        adding ? "--if-not-exists" : "--if-exists",
        adding ? "succeed when the principal is a member already" : "succeed when the principal is not a member",
      )
      .action((groupName: string, memberName: string, options: { ifNotExists?: boolean; ifExists?: boolean }) =>
        withDirectory(program, async ({ directory }) => {
          const tenant = await chooseTenant(directory, tenantOption());
          const target = await directory.findPrincipal(tenant.id, groupName, "group");
          const member = await directory.findPrincipal(tenant.id, memberName);
          const already = (await directory.listMembers(tenant.id, target.id)).some((m) => m.id === member.id);
          if (adding && !(already && options.ifNotExists === true)) await directory.addMember(tenant.id, target.id, member.id);
          if (!adding && !(!already && options.ifExists === true)) await directory.removeMember(tenant.id, target.id, member.id);
          printJson({ group: target.id, members: (await directory.listMembers(tenant.id, target.id)).map(directoryObjectToGraph) });
        }),
      );
  }
}

function registerCredentialCommands(program: Command, group: Command, tenantOption: () => string | undefined): void {
  group
    .command("add-password <sp>")
    .description("add a client secret; secretText is printed once and never again")
    .option("--display-name <name>", "label of the secret")
    .option("--end-date <iso8601>", "expiry (default: one year)")
    .action((name: string, options: { displayName?: string; endDate?: string }) =>
      withDirectory(program, async ({ directory, credentials }) => {
        const tenant = await chooseTenant(directory, tenantOption());
        const sp = await directory.findPrincipal(tenant.id, name, "servicePrincipal");
        const endDateTime = options.endDate === undefined ? undefined : Date.parse(options.endDate);
        if (endDateTime !== undefined && Number.isNaN(endDateTime)) throw badParameter("--end-date", "must be an ISO 8601 date-time");
        printJson(
          await credentials.addPassword(tenant.id, sp.id, {
            ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
            ...(endDateTime === undefined ? {} : { endDateTime }),
          }),
        );
      }),
    );
  group
    .command("add-certificate <sp>")
    .description("add a certificate credential whose key signs client assertions")
    .requiredOption("--certificate <file>", "PEM certificate file")
    .option("--display-name <name>", "label of the certificate")
    .action((name: string, options: { certificate: string; displayName?: string }) =>
      withDirectory(program, async ({ directory, credentials }) => {
        const tenant = await chooseTenant(directory, tenantOption());
        const sp = await directory.findPrincipal(tenant.id, name, "servicePrincipal");
        let certificatePem: string;
        try {
          certificatePem = readFileSync(options.certificate, "utf8");
        } catch {
          throw badParameter("--certificate", "could not be read");
        }
        printJson(
          await credentials.addCertificate(tenant.id, sp.id, {
            certificatePem,
            ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
          }),
        );
      }),
    );
}

function registerAdministratorCommands(program: Command, parent: Command): void {
  const admin = parent
    .command("admin")
    .description("directory administrators: principals (or groups) allowed to manage the directory over HTTPS")
    .option("--tenant <id|name>", "tenant (default: the only one)");
  const tenantOption = () => admin.opts<{ tenant?: string }>().tenant;
  const list = async (directory: Directory, tenant: TenantRecord) =>
    Promise.all(
      (await directory.store.directory.listDirectoryAdministrators(tenant.id)).map(async (id) =>
        directoryObjectToGraph(await directory.getPrincipal(tenant.id, id)),
      ),
    );
  admin
    .command("list")
    .description("list directory administrators")
    .action(() =>
      withDirectory(program, async ({ directory }) => {
        printJson(await list(directory, await chooseTenant(directory, tenantOption())));
      }),
    );
  for (const [verb, adding] of [
    ["add", true],
    ["remove", false],
  ] as const) {
    admin
      .command(`${verb} <principal>`)
      .description(`${verb} a directory administrator`)
      .action((name: string) =>
        withDirectory(program, async ({ directory }) => {
          const tenant = await chooseTenant(directory, tenantOption());
          const principal = await directory.findPrincipal(tenant.id, name);
          if (adding) await directory.addDirectoryAdministrator(tenant.id, principal.id);
          else await directory.removeDirectoryAdministrator(tenant.id, principal.id);
          printJson(await list(directory, tenant));
        }),
      );
  }
}
