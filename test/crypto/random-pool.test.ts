import { describe, expect, it } from "vitest";
import { freshRandomBytes } from "../../src/crypto/random-pool.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

describe("freshRandomBytes", () => {
  it("gives the length asked for, also beyond one pool", () => {
    for (const length of [0, 1, 32, 64, 4096, 5000]) expect(freshRandomBytes(length)).toHaveLength(length);
  });

  it("never hands out the same bytes twice, across many refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(hex(freshRandomBytes(32)));
    expect(seen.size).toBe(2000);
  });

  it("hands out copies: bytes already given do not change when the pool is refilled", () => {
    const first = freshRandomBytes(32);
    const kept = hex(first);
    for (let i = 0; i < 500; i++) freshRandomBytes(48);
    expect(hex(first)).toBe(kept);
  });

  it("is not constant: roughly half of all bits are set", () => {
    const bytes = freshRandomBytes(4096);
    let ones = 0;
    for (const byte of bytes) for (let bit = 0; bit < 8; bit++) ones += (byte >> bit) & 1;
    expect(ones / (4096 * 8)).toBeGreaterThan(0.45);
    expect(ones / (4096 * 8)).toBeLessThan(0.55);
  });
});
