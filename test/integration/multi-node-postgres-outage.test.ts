/**
 * PostgreSQL stopped while two nodes serve signing and key creation (SPEC section 14): every call in the outage fails
 * with UNAVAILABLE (never INTERNAL), nothing is released without its audit record, and both nodes serve again
 * within seconds of the server's return, without a restart. The server is the test's own (private-postgres.ts).
 */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { startPgCluster } from "./pg-cluster.js";
import { startPrivatePostgres } from "./private-postgres.js";
import type { RpcError, TestServer } from "./server.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Call {
  readonly node: number;
  readonly kind: "sign" | "create";
  readonly name: string;
  readonly requestId: string;
  readonly startedAt: number;
  endedAt?: number;
  /** "ok", or the x-error-code (or bare gRPC status) of the refusal. */
  outcome?: string;
}

const digest = new Uint8Array(createHash("sha256").update("outage").digest());

async function attempt(node: TestServer, token: string, call: Call): Promise<void> {
  const metadata = node.metadata(token, "hsm-a", call.requestId);
  try {
    if (call.kind === "sign")
      await node.call(node.crypto, CryptoService, "sign", { name: call.name, algorithm: "ES256", digest } as never, metadata);
    else await node.call(node.keys, KeyService, "createKey", { name: call.name, kty: "EC", crv: "P-256" } as never, metadata);
    call.outcome = "ok";
  } catch (error) {
    const { errorCode, code } = error as RpcError;
    call.outcome = errorCode ?? `grpc ${code}`;
  }
  call.endedAt = Date.now();
}

describe("PostgreSQL stopped under load", () => {
  it("fails calls with UNAVAILABLE, releases nothing unaudited, and serves again soon after it returns", async () => {
    const postgres = await startPrivatePostgres();
    cleanups.push(() => postgres.destroy());
    const cluster = await startPgCluster(2, { url: postgres.url });
    cleanups.push(() => cluster.close());
    const nodes = cluster.nodes;
    const first = nodes[0]!;
    const officer = await first.user("officer");
    await first.call(
      first.access,
      AccessControlService,
      "createRoleAssignment",
      { scope: "/", roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: officer.id },
      first.metadata(await first.token(first.admin)),
    );
    const token = await first.token(officer);
    await first.call(first.keys, KeyService, "createKey", { name: "signer", kty: "EC", crv: "P-256" } as never, first.metadata(token));

    // Two signers and one key creator per node, until told to stop.
    const calls: Call[] = [];
    let running = true;
    const loop = async (index: number, kind: Call["kind"]): Promise<void> => {
      while (running) {
        const requestId = randomUUID();
        const call: Call = {
          node: index,
          kind,
          name: kind === "sign" ? "signer" : `k-${requestId.slice(0, 8)}`,
          requestId,
          startedAt: Date.now(),
        };
        calls.push(call);
        await attempt(nodes[index]!, token, call);
        // An outage answers at once; a short pause keeps the loop from spinning.
        if (call.outcome !== "ok") await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const loops = nodes.flatMap((_, i) => [loop(i, "sign"), loop(i, "sign"), loop(i, "create")]);
    const until = async (check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const succeededSince = (time: number, node: number): boolean =>
      calls.some((c) => c.node === node && c.outcome === "ok" && c.startedAt >= time);

    await until(() => nodes.every((_, i) => succeededSince(0, i)), "calls to succeed before the outage");
    await postgres.stop();
    const down = Date.now();
    await until(
      () => nodes.every((_, i) => calls.filter((c) => c.node === i && c.startedAt >= down && c.outcome !== undefined).length >= 10),
      "calls in the outage",
    );
    const upStarting = Date.now();
    await postgres.start();
    const up = Date.now();
    await until(() => nodes.every((_, i) => succeededSince(up, i)), "calls to succeed after PostgreSQL returned");
    const recoveredAfterMs = nodes.map((_, i) =>
      Math.min(...calls.filter((c) => c.node === i && c.outcome === "ok" && c.startedAt >= up).map((c) => c.endedAt! - up)),
    );
    running = false;
    await Promise.all(loops);

    // Whatever happened to a call, the node answered it with a code a client can act on.
    const outcomes = new Set(calls.map((c) => c.outcome));
    expect([...outcomes].sort()).toEqual(["Unavailable", "ok"]);
    const inOutage = calls.filter((c) => c.startedAt >= down && c.endedAt! <= upStarting);
    expect(inOutage.length).toBeGreaterThanOrEqual(20);
    expect(inOutage.every((c) => c.outcome === "Unavailable")).toBe(true);

    // Nothing released unaudited: every call that succeeded has exactly one Success record in its node's journal,
    // and every key a node acknowledged is in the database.
    for (const [index, node] of nodes.entries()) {
      const successes = new Map<string, number>();
      for (const event of await node.events("hsm-a"))
        if (event.resultType === "Success") successes.set(event.correlationId, (successes.get(event.correlationId) ?? 0) + 1);
      for (const call of calls.filter((c) => c.node === index && c.outcome === "ok"))
        expect(successes.get(call.requestId), call.requestId).toBe(1);
      for (const call of calls.filter((c) => c.node === index && c.kind === "sign" && c.outcome !== "ok"))
        expect(successes.get(call.requestId), call.requestId).toBeUndefined();
    }
    const created = calls.filter((c) => c.kind === "create" && c.outcome === "ok");
    const hsm = await first.node.hsms.resolve("hsm-a");
    const stored = new Set((await first.node.store.keys.listKeys(hsm.id, "active")).map((key) => key.name));
    for (const call of created) expect(stored.has(call.name), call.name).toBe(true);
    console.log(
      `postgres outage: ${calls.length} calls on 2 nodes, ${inOutage.length} in the outage (all Unavailable), ` +
        `first success after PostgreSQL returned: ${recoveredAfterMs.map((ms) => `${ms} ms`).join(", ")}`,
    );
  });
});
