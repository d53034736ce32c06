/**
 * KeyService.GetKeyReleasePolicy over the wire: keyhold keys are never exportable, so none has a release policy. The
 * call is authorized like GetKey (keys/read/action on the key), answers NOT_FOUND for an unknown key, is refused
 * with FAILED_PRECONDITION (OperationNotAllowed) for a known one, and is audited once either way.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANAGED_HSM_CRYPTO_OFFICER, MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { startTestServer, type RpcError, type TestServer } from "./server.js";

let server: TestServer;
let userToken: string;
let strangerToken: string;

beforeAll(async () => {
  server = await startTestServer({ threads: 1 });
  const adminToken = await server.token(server.admin);
  const user = await server.user("release-reader");
  for (const role of [MANAGED_HSM_CRYPTO_USER.id, MANAGED_HSM_CRYPTO_OFFICER.id]) {
    await server.call(
      server.access,
      AccessControlService,
      "createRoleAssignment",
      { scope: "/", roleDefinitionId: role, principalId: user.id },
      server.metadata(adminToken),
    );
  }
  userToken = await server.token(user);
  await server.call(server.keys, KeyService, "createKey", { name: "released", kty: "EC", crv: "P-256" }, server.metadata(userToken));
  strangerToken = await server.token(await server.user("release-stranger"));
});
afterAll(async () => server?.stop());

async function releasePolicy(token: string, name: string, requestId: string): Promise<RpcError> {
  return server.call(server.keys, KeyService, "getKeyReleasePolicy", { name }, server.metadata(token, undefined, requestId)).then(
    () => {
      throw new Error("a release policy was returned");
    },
    (error: RpcError) => error,
  );
}

describe("GetKeyReleasePolicy", () => {
  it("refuses a known key cleanly, answers NOT_FOUND for an unknown one, and denies a caller without keys/read", async () => {
    const known = randomUUID();
    const refused = await releasePolicy(userToken, "released", known);
    expect([refused.code, refused.errorCode]).toEqual([status.FAILED_PRECONDITION, "OperationNotAllowed"]);
    expect(refused.details).toMatch(/never exportable/);
    const unknown = await releasePolicy(userToken, "absent", randomUUID());
    expect([unknown.code, unknown.errorCode]).toEqual([status.NOT_FOUND, "KeyNotFound"]);
    const denied = await releasePolicy(strangerToken, "released", randomUUID());
    expect([denied.code, denied.errorCode]).toEqual([status.PERMISSION_DENIED, "ForbiddenByRbac"]);

    const records = (await server.events()).filter((event) => event.correlationId === known);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      operationName: "KeyReleasePolicyGet",
      resultType: "Failure",
      properties: { keyName: "released", decision: "allowed" },
    });
  });
});
