import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../integration/server.js";
import { hsmAgent, keyClient, cryptoClient } from "./helpers.js";
import { createHash } from "node:crypto";
import { MANAGED_HSM_CRYPTO_OFFICER, MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ threads: 1 });
  const adminToken = await server.token(server.admin);
  for (const role of [MANAGED_HSM_CRYPTO_USER.id, MANAGED_HSM_CRYPTO_OFFICER.id]) {
    await server.call(server.access, AccessControlService, "createRoleAssignment", { scope: "/", roleDefinitionId: role, principalId: server.admin.id }, server.metadata(adminToken));
  }
});
afterAll(async () => server?.stop());

it("smoke", async () => {
  const agent = hsmAgent(server);
  const token = await server.token(server.admin);
  const client = keyClient(server, agent, token);
  const key = await client.createKey("smoke", "EC-HSM", { curve: "P-256" });
  console.log(JSON.stringify(key, null, 1));
  const got = await client.getKey("smoke");
  expect(got.id).toBe(key.id);
  const crypto = cryptoClient(agent, token, key.id!);
  const digest = createHash("sha256").update("x").digest();
  const signed = await crypto.sign("ES256", digest);
  const verified = await crypto.verify("ES256", digest, signed.result);
  expect(verified.result).toBe(true);
  for await (const p of client.listPropertiesOfKeys()) console.log(p.id);
});
