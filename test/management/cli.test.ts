/** `keyhold hsm ...` and `keyhold mgmt role assignment ...` against the management routes on a real TLS listener. */
import { createRequire } from "node:module";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Fastify from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerHsmCommands } from "../../src/cli/hsm.js";
import { registerMgmtCommands } from "../../src/cli/mgmt.js";
import { MANAGEMENT_ROUTES } from "../../src/management/index.js";
import { operationRoutes } from "../../src/transport/http/operation-routes.js";
import { runCli } from "../helpers/cli.js";
import { fixtureKey } from "../identity/helpers.js";
import { LOCATION, RESOURCE_GROUP, SUBSCRIPTION, managementCore, type ManagementCore } from "./helpers.js";

const forge = createRequire(import.meta.url)("node-forge") as typeof import("node-forge");

/** A self-signed certificate for 127.0.0.1 over a fixture key (no key generation in tests). */
function loopbackCertificate(): { certPem: string; keyPem: string } {
  const key = fixtureKey("rsa-2048-1");
  const keyPem = key.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(key.publicKey.export({ format: "pem", type: "spki" }).toString());
  certificate.serialNumber = "02";
  certificate.validity.notBefore = new Date(Date.now() - 3600_000);
  certificate.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const subject = [{ name: "commonName", value: "keyhold test" }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }]);
  certificate.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(certificate), keyPem };
}

let core: ManagementCore;
let server: ReturnType<typeof Fastify>;
let endpoint: string;

beforeEach(async () => {
  core = await managementCore();
  const tls = loopbackCertificate();
  await mkdir(join(core.dataDir, "tls"), { recursive: true });
  await writeFile(join(core.dataDir, "tls", "ca.pem"), tls.certPem);
  server = Fastify({ https: { key: tls.keyPem, cert: tls.certPem } });
  await server.register(operationRoutes, {
    pipeline: core.pipeline,
    operations: core.table,
    routes: MANAGEMENT_ROUTES,
    challenge: () => ({ authority: "https://keyhold.test", resource: "https://management.azure.com" }),
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  endpoint = `127.0.0.1:${(server.server.address() as { port: number }).port}`;
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
    const created = await cli("hsm", "create", "--name", "clihsm", "--location", LOCATION, "--administrators", core.root.id, "--retention-days", "7");
    expect(created.stderr).toBe("");
    expect(created.exitCode).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: "clihsm", properties: { provisioningState: "Succeeded", softDeleteRetentionInDays: 7 } });

    const updated = await cli("hsm", "update", "--name", "clihsm", "--tags", "env=prod", "--default-action", "Deny", "--ip-rules", "10.1.0.0/16");
    expect(JSON.parse(updated.stdout)).toMatchObject({ tags: { env: "prod" }, properties: { networkAcls: { defaultAction: "Deny", ipRules: [{ value: "10.1.0.0/16" }] } } });
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
    const created = await cli("mgmt", "role", "assignment", "create", "--role", "Managed HSM contributor", "--assignee", team.id, "--scope", scope);
    expect(created.stderr).toBe("");
    const assignment = JSON.parse(created.stdout) as { name: string; properties: { roleDefinitionId: string } };
    expect(assignment.properties.roleDefinitionId).toMatch(/18500a29-7fe2-46b2-a342-b16a415e101d$/);
    const listed = JSON.parse((await cli("mgmt", "role", "assignment", "list", "--scope", scope, "--assignee", team.id)).stdout) as { name: string }[];
    expect(listed.map((a) => a.name)).toEqual([assignment.name]);
    expect((await cli("mgmt", "role", "assignment", "delete", "--scope", scope, "--name", assignment.name)).exitCode).toBe(0);
    expect(JSON.parse((await cli("mgmt", "role", "assignment", "list", "--scope", scope, "--assignee", team.id)).stdout)).toEqual([]);
    const badRole = await cli("mgmt", "role", "assignment", "create", "--role", "Emperor", "--assignee", team.id, "--scope", scope);
    expect(badRole.exitCode).toBe(1);
    expect(badRole.stderr).toContain("--role");
  });
});
