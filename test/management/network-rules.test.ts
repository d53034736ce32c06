/**
 * Network rules set through the management plane are enforced on the data
 * plane's very next call, before authentication, for IPv4 and IPv6, and
 * publicNetworkAccess "Disabled" admits loopback callers only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyholdError } from "../../src/errors.js";
import type { RequestMeta } from "../../src/pipeline/dispatch.js";
import { hsmPath, managementCore, type ManagementCore } from "./helpers.js";

let core: ManagementCore;
beforeEach(async () => {
  core = await managementCore();
});
afterEach(async () => core?.close());

async function dataCallFrom(callerIp: string, token: string | undefined): Promise<string> {
  const meta: RequestMeta = {
    transport: "grpc",
    method: "/test",
    authorization: token && `Bearer ${token}`,
    hsmName: "fenced",
    clientRequestId: undefined,
    callerIp,
  };
  try {
    await core.pipeline.dispatch(core.table.get("RoleDefinitionList")!, {}, meta);
    return "OK";
  } catch (error) {
    return (error as KeyholdError).code;
  }
}

describe("network rules from the management plane", () => {
  it("refuses callers outside ipRules before authentication, and follows each change on the next call", async () => {
    const admin = await core.user("fence-admin");
    expect((await core.createHsm("fenced", [admin.id])).status).toBe(202);
    const token = await core.token(admin, "data");
    // Open: the call passes the firewall and stops at activation (the HSM is new).
    expect(await dataCallFrom("192.168.7.1", token)).toBe("OperationNotAllowed");

    const patch = (properties: object) => core.call("PATCH", hsmPath("fenced"), core.root, { properties });
    expect(
      (await patch({ networkAcls: { defaultAction: "Deny", ipRules: [{ value: "10.1.0.0/16" }, { value: "2001:db8::/32" }] } })).status,
    ).toBe(200);
    expect(await dataCallFrom("192.168.7.1", token)).toBe("ForbiddenByFirewall");
    expect(await dataCallFrom("192.168.7.1", undefined)).toBe("ForbiddenByFirewall");
    expect(await dataCallFrom("10.1.200.3", token)).toBe("OperationNotAllowed");
    expect(await dataCallFrom("::ffff:10.1.0.9", token)).toBe("OperationNotAllowed");
    expect(await dataCallFrom("2001:db8::42", token)).toBe("OperationNotAllowed");
    expect(await dataCallFrom("2001:db9::42", token)).toBe("ForbiddenByFirewall");

    expect((await patch({ publicNetworkAccess: "Disabled" })).status).toBe(200);
    expect(await dataCallFrom("10.1.200.3", token)).toBe("ForbiddenByFirewall");
    expect(await dataCallFrom("127.0.0.1", token)).toBe("OperationNotAllowed");
    expect(await dataCallFrom("::1", token)).toBe("OperationNotAllowed");
  });
});
