/**
 * A node whose event loop stalls: gRPC health says NOT_SERVING as soon as the loop turns again (not
 * SERVING, as a bare server would), and SERVING once it has kept turning (src/server/event-loop-watchdog.ts).
 * The watchdog's stall line goes to this process's stderr.
 */
import { credentials, makeGenericClientConstructor, type Client } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server.js";

/** Far above any pause a busy machine gives a healthy loop, so only the block below trips it. */
const STALL_MS = 1000;

let server: TestServer;
let health: Client;

beforeAll(async () => {
  server = await startTestServer({ threads: 1, eventLoopStallMs: STALL_MS });
  const Health = makeGenericClientConstructor(healthService, "Health");
  health = new Health(server.node.addresses.grpc, credentials.createSsl(Buffer.from(server.node.tls!.caPem!)), {
    "grpc.ssl_target_name_override": "localhost",
  });
});
afterAll(async () => {
  health?.close();
  await server?.stop();
});

/** Health until it says `wanted` or 5 s have passed. */
async function eventually(wanted: string): Promise<string> {
  const deadline = Date.now() + 5000;
  let status = await check();
  while (status !== wanted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = await check();
  }
  return status;
}

const check = () =>
  new Promise<string>((resolve, reject) =>
    (health as unknown as { check(r: object, cb: (e: Error | null, r: { status: string }) => void): void }).check(
      { service: "" },
      (e, r) => (e ? reject(e) : resolve(r.status)),
    ),
  );

describe("a stalled event loop", () => {
  it("makes gRPC health NOT_SERVING when the loop turns again, and SERVING after it has kept turning", async () => {
    // The first TLS handshakes of this in-process client may hold the loop for a while on a busy machine.
    expect(await eventually("SERVING")).toBe("SERVING");
    // Let the watchdog's worker see a few healthy checks.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const until = performance.now() + STALL_MS + 1500;
    while (performance.now() < until) {
      // the main thread is stuck
    }
    expect(await check()).toBe("NOT_SERVING");
    expect(server.node.serving.reasons().get("event-loop")).toMatch(/stalled/);
    expect(await eventually("SERVING")).toBe("SERVING");
  });
});
