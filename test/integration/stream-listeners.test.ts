/**
 * Many operations in flight on one Stream share the stream's cancellation; each used to add an "abort" listener to
 * that one signal while its task waited for a worker, and past ten Node printed
 * `MaxListenersExceededWarning: Possible EventTarget memory leak detected. 11 abort listeners added to [AbortSignal]`.
 */
import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { StreamRequestSchema, type StreamResponse } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { startTestServer, type TestServer } from "./server.js";

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ threads: 1 });
  const officer = await server.user("officer");
  await server.call(
    server.access,
    AccessControlService,
    "createRoleAssignment",
    { scope: "/", roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: officer.id } as never,
    server.metadata(await server.token(server.admin), "hsm-a"),
  );
  token = await server.token(officer);
});
afterAll(async () => server?.stop());

describe("one Stream, many operations in flight", () => {
  it("answers every operation and makes Node warn of no listener leak", async () => {
    const md = () => server.metadata(token, "hsm-a");
    const keyRequest = { name: "listeners", kty: "RSA-HSM", keySize: 2048 };
    await server.call(server.keys, KeyService, "createKey", keyRequest as never, md());
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const digest = new Uint8Array(createHash("sha256").update("listeners").digest());
      const call = (
        server.crypto as unknown as {
          stream(md: unknown): { write(m: unknown): boolean; end(): void; on(e: string, f: (x: never) => void): void };
        }
      ).stream(md());
      const results: StreamResponse[] = [];
      const done = new Promise<void>((resolve, reject) => {
        call.on("data", (response: StreamResponse) => void results.push(response));
        call.on("end", resolve as never);
        call.on("error", reject as never);
      });
      for (let i = 0; i < 200; i++)
        call.write(
          create(StreamRequestSchema, {
            id: `s${i}`,
            operation: { case: "sign", value: { name: "listeners", algorithm: "PS256", digest } },
          }),
        );
      call.end();
      await done;
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(results).toHaveLength(200);
      expect(results.every((r) => r.code === 0)).toBe(true);
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});
