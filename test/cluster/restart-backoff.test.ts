import { describe, expect, it } from "vitest";
import { RestartBackoff } from "../../src/cluster/restart-backoff.js";

describe("restart backoff", () => {
  it("waits longer after each quick death, up to 30 s", () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 9 }, () => backoff.nextDelayMs(1_000));
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it("starts again from the shortest delay after a node ran a minute before dying", () => {
    const backoff = new RestartBackoff();
    for (let i = 0; i < 5; i++) backoff.nextDelayMs(100);
    expect(backoff.nextDelayMs(60_000)).toBe(500);
    expect(backoff.nextDelayMs(100)).toBe(1_000);
  });
});
