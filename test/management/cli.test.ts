/** `keyhold hsm ...` and `keyhold mgmt role assignment ...` against the management routes on a real TLS listener. */
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerHsmCommands } from "../../src/cli/hsm.js";
import { registerMgmtCommands } from "../../src/cli/mgmt.js";
import { runCli } from "../helpers/cli.js";
import { LOCATION, RESOURCE_GROUP, SUBSCRIPTION, managementCore, type ManagementCore } from "./helpers.js";
import { listenWithTls } from "./tls-listener.js";

let core: ManagementCore;
let server: FastifyInstance;
let endpoint: string;

beforeEach(async () => {
  core = await managementCore();
  ({ server, endpoint } = await listenWithTls(core));
});
afterEach(async () => {
  await server.close();
  await core.close();
});

async function cli(...args: string[]) {
  const token = await core.token(core.root);
  const connection = ["--endpoint", endpoint, "--token", token, "--subscription", SUBSCRIPTION, "--resource-group", RESOURCE_GROUP];
  const [group, ...rest] = args;
  const command = group === "mgmt" ? rest.slice(0, 3) : rest.slice(0, 1);
  const tail = group === "mgmt" ? rest.slice(3) : rest.slice(1);
  return runCli([registerHsmCommands, registerMgmtCommands], core.dataDir, [group!, ...command, ...connection, ...tail]);
}

describe("keyhold hsm and keyhold mgmt", () => {
  it("creates, shows, updates, lists, deletes and purges an HSM, printing JSON", async () => {
    const created = await cli(
      "hsm",
      "create",
      "--name",
      "clihsm",
      "--location",
      LOCATION,
      "--administrators",
      core.root.id,
      "--retention-days",
      "7",
    );
    expect(created.stderr).toBe("");
    expect(created.exitCode).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: "clihsm",
      properties: { provisioningState: "Succeeded", softDeleteRetentionInDays: 7 },
    });

    const updated = await cli(
      "hsm",
      "update",
      "--name",
      "clihsm",
      "--tags",
      "env=prod",
      "--default-action",
      "Deny",
      "--ip-rules",
      "10.1.0.0/16",
    );
    expect(JSON.parse(updated.stdout)).toMatchObject({
      tags: { env: "prod" },
      properties: { networkAcls: { defaultAction: "Deny", ipRules: [{ value: "10.1.0.0/16" }] } },
    });
    expect(JSON.parse((await cli("hsm", "list")).stdout).map((h: { name: string }) => h.name)).toEqual(["clihsm"]);

    expect((await cli("hsm", "delete", "--name", "clihsm")).exitCode).toBe(0);
    const missing = await cli("hsm", "show", "--name", "clihsm");
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^error: ResourceNotFound \(404\)/);
    expect((await cli("hsm", "purge", "--name", "clihsm", "--location", LOCATION)).exitCode).toBe(0);
    expect(JSON.parse((await cli("hsm", "list-deleted")).stdout)).toEqual([]);
  });

  it("assigns, lists and deletes a management role", async () => {
    const team = await core.user("team");
    const scope = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`;
    const created = await cli(
      "mgmt",
      "role",
      "assignment",
      "create",
      "--role",
      "Managed HSM contributor",
      "--assignee",
      team.id,
      "--scope",
      scope,
    );
    expect(created.stderr).toBe("");
    const assignment = JSON.parse(created.stdout) as { name: string; properties: { roleDefinitionId: string } };
    expect(assignment.properties.roleDefinitionId).toMatch(/18500a29-7fe2-46b2-a342-b16a415e101d$/);
    const listed = JSON.parse((await cli("mgmt", "role", "assignment", "list", "--scope", scope, "--assignee", team.id)).stdout) as {
      name: string;
    }[];
    expect(listed.map((a) => a.name)).toEqual([assignment.name]);
    expect((await cli("mgmt", "role", "assignment", "delete", "--scope", scope, "--name", assignment.name)).exitCode).toBe(0);
    expect(JSON.parse((await cli("mgmt", "role", "assignment", "list", "--scope", scope, "--assignee", team.id)).stdout)).toEqual([]);
    const badRole = await cli("mgmt", "role", "assignment", "create", "--role", "Emperor", "--assignee", team.id, "--scope", scope);
    expect(badRole.exitCode).toBe(1);
    expect(badRole.stderr).toContain("--role");
  });
});
