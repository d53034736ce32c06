/** RotateKey, rotation policy validation, and the scheduler carrying policies out on a fake clock. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyBundle, KeyItem, MaintenanceOutcome, RotationPolicy } from "../../../src/hsm/keys/index.js";
import { RotationScheduler } from "../../../src/hsm/keys/index.js";
import { durationSeconds } from "../../../src/hsm/keys/rotation.js";
import { EC_FIXTURES } from "../../helpers/keys.js";
import { expectFailure, keyFixture, versionOf, type KeyFixture } from "./helpers.js";

let f: KeyFixture;
beforeAll(async () => {
  f = await keyFixture();
});
afterAll(async () => {
  await f?.close();
});

const DAY_MS = 86_400_000;

describe("RotateKey", () => {
  it("adds a version with the same type, curve, key_ops and tags, and new material", async () => {
    const first = await f.call<KeyBundle>("KeyImport", {
      name: "rotated",
      key: { ...EC_FIXTURES["P-384"], key_ops: ["sign"] },
      tags: { owner: "team-a" },
    });
    const second = await f.call<KeyBundle>("KeyRotate", { name: "rotated" });
    expect(versionOf(second.kid)).not.toBe(versionOf(first.kid));
    expect(second.key).toMatchObject({ kty: "EC-HSM", crv: "P-384", key_ops: ["sign"] });
    expect(second.key.x).not.toBe(first.key.x);
    expect(second.tags).toEqual({ owner: "team-a" });
    expect((await f.call<KeyBundle>("KeyGet", { name: "rotated" })).kid).toBe(second.kid);

    const oct = await f.call<KeyBundle>("KeyCreate", { name: "rotated-oct", kty: "oct", keySize: 192 });
    await f.call("KeyRotate", { name: "rotated-oct" });
    const { wrappedKey } = await f.call<{ wrappedKey: Uint8Array }>("KeyWrap", {
      name: "rotated-oct",
      algorithm: "A192KW",
      key: new Uint8Array(24),
    });
    expect(wrappedKey.length).toBe(32);
    expect((await f.call<{ items: KeyItem[] }>("KeyListVersions", { name: "rotated-oct" })).items[0]!.kid).toBe(oct.kid);
    await expectFailure(f.call("KeyRotate", { name: "no-such-key" }), "KeyNotFound");
  });
});

describe("rotation policies", () => {
  it("stores a valid policy and returns it with id and times; an unset policy has no actions", async () => {
    await f.call("KeyCreate", { name: "with-policy", kty: "oct" });
    const empty = await f.call<RotationPolicy>("KeyRotationPolicyGet", { name: "with-policy" });
    expect(empty).toEqual({ id: "https://contoso-hsm.managedhsm.keyhold.test/keys/with-policy/rotationpolicy", lifetimeActions: [] });
    const policy = {
      lifetimeActions: [
        { timeAfterCreate: "P90D", action: "Rotate" },
        { timeBeforeExpiry: "P10D", action: "Notify" },
      ],
      expiryTime: "P1Y",
    };
    const stored = await f.call<RotationPolicy>("KeyRotationPolicySet", { name: "with-policy", policy });
    expect(stored).toMatchObject({ ...policy, id: empty.id, created: Math.floor(f.clock.now / 1000) });
    expect(await f.call<RotationPolicy>("KeyRotationPolicyGet", { name: "with-policy" })).toEqual(stored);
  });

  it.each([
    [{ lifetimeActions: [{ timeAfterCreate: "P27D", action: "Rotate" }] }, "policy.lifetime_actions[0].time_after_create"],
    [{ lifetimeActions: [{ timeAfterCreate: "90 days", action: "Rotate" }] }, "policy.lifetime_actions[0].time_after_create"],
    [{ lifetimeActions: [{ timeAfterCreate: "P90D", action: "Explode" }] }, "policy.lifetime_actions[0].action"],
    [{ lifetimeActions: [{ action: "Rotate" }] }, "policy.lifetime_actions[0]"],
    [{ lifetimeActions: [{ timeAfterCreate: "P90D", timeBeforeExpiry: "P30D", action: "Rotate" }] }, "policy.lifetime_actions[0]"],
    [
      {
        lifetimeActions: [
          { timeAfterCreate: "P90D", action: "Rotate" },
          { timeAfterCreate: "P60D", action: "Rotate" },
        ],
      },
      "policy.lifetime_actions",
    ],
    [{ lifetimeActions: [], expiryTime: "P7D" }, "policy.expiry_time"],
    [
      { lifetimeActions: [{ timeBeforeExpiry: "P60D", action: "Rotate" }], expiryTime: "P30D" },
      "policy.lifetime_actions[0].time_before_expiry",
    ],
    [{ lifetimeActions: "P90D" }, "policy.lifetime_actions"],
  ])("refuses %j naming %s", async (policy, field) => {
    await expectFailure(f.call("KeyRotationPolicySet", { name: "with-policy", policy }), "BadParameter", field);
  });

  it("reads ISO 8601 durations", () => {
    expect(durationSeconds("P28D", "d")).toBe(28 * 86_400);
    expect(durationSeconds("P1Y2M", "d")).toBe(365 * 86_400 + 60 * 86_400);
    expect(durationSeconds("PT36H", "d")).toBe(36 * 3600);
    expect(() => durationSeconds("P", "d")).toThrow(/ISO 8601/);
  });
});

describe("RotationScheduler", () => {
  it("rotates due keys without a client, sets the policy's expiry, notifies once, and purges expired deleted keys", async () => {
    const start = f.clock.now;
    const seen: MaintenanceOutcome[] = [];
    const scheduler = new RotationScheduler({
      service: f.keys.service,
      store: f.keyStore,
      hsms: f.core.hsms,
      now: () => f.clock.now,
      onOutcome: (o) => void seen.push(o),
    });
    const original = await f.call<KeyBundle>("KeyCreate", { name: "auto", kty: "EC", crv: "P-256" });
    await f.call("KeyRotationPolicySet", {
      name: "auto",
      policy: { lifetimeActions: [{ timeAfterCreate: "P30D", action: "Rotate" }], expiryTime: "P60D" },
    });
    await f.call("KeyCreate", { name: "notified", kty: "oct", attributes: { exp: Math.floor(start / 1000) + 40 * 86_400 } });
    await f.call("KeyRotationPolicySet", {
      name: "notified",
      policy: { lifetimeActions: [{ timeBeforeExpiry: "P10D", action: "Notify" }] },
    });
    await f.call("KeyCreate", { name: "to-sweep", kty: "oct" });
    await f.call("KeyDelete", { name: "to-sweep" });

    expect((await scheduler.runOnce(start + 29 * DAY_MS)).filter((o) => o.keyName === "auto" || o.keyName === "notified")).toEqual([]);

    f.clock.now = start + 31 * DAY_MS;
    const outcomes = await scheduler.runOnce(f.clock.now);
    const rotation = outcomes.find((o) => o.keyName === "auto")!;
    expect(rotation).toMatchObject({ action: "Rotate", hsmId: f.core.hsm.id });
    expect(rotation.error).toBeUndefined();
    const latest = await f.call<KeyBundle>("KeyGet", { name: "auto" });
    expect(latest.kid).toBe(rotation.kid);
    expect(latest.kid).not.toBe(original.kid);
    expect(latest.attributes.exp).toBe(Math.floor(f.clock.now / 1000) + 60 * 86_400);
    expect(outcomes.find((o) => o.keyName === "notified")).toMatchObject({ action: "Notify" });
    expect(seen).toEqual(outcomes);

    // Nothing is due again until the new version is 30 days old; the notice is not repeated.
    expect((await scheduler.runOnce(f.clock.now + DAY_MS)).filter((o) => o.keyName === "auto" || o.keyName === "notified")).toEqual([]);

    f.clock.now = start + 91 * DAY_MS;
    const later = await scheduler.runOnce(f.clock.now);
    expect(later).toContainEqual({ action: "Purge", hsmId: f.core.hsm.id, keyName: "to-sweep" });
    expect(later.filter((o) => o.keyName === "auto" && o.action === "Rotate")).toHaveLength(1);
    expect((await f.call<{ items: KeyItem[] }>("KeyListVersions", { name: "auto" })).items).toHaveLength(3);
  });

  it("two nodes' ticks that overlap rotate a due key once; a node without the maintenance claim does nothing", async () => {
    const start = f.clock.now;
    await f.call<KeyBundle>("KeyCreate", { name: "shared-due", kty: "EC", crv: "P-256" });
    await f.call("KeyRotationPolicySet", {
      name: "shared-due",
      policy: { lifetimeActions: [{ timeAfterCreate: "P28D", action: "Rotate" }] },
    });
    const node = (claim?: () => Promise<boolean>): RotationScheduler =>
      new RotationScheduler({ service: f.keys.service, store: f.keyStore, hsms: f.core.hsms, ...(claim ? { claim } : {}) });
    f.clock.now = start + 29 * DAY_MS;
    const idle = await node(async () => false).runOnce(f.clock.now);
    expect(idle).toEqual([]);
    const [a, b, c] = await Promise.all([node().runOnce(f.clock.now), node().runOnce(f.clock.now), node().runOnce(f.clock.now)]);
    const rotations = [...a!, ...b!, ...c!].filter((o) => o.keyName === "shared-due");
    expect(rotations).toHaveLength(1);
    expect(rotations[0]).toMatchObject({ action: "Rotate" });
    expect(rotations[0]!.error).toBeUndefined();
    expect((await f.call<{ items: KeyItem[] }>("KeyListVersions", { name: "shared-due" })).items).toHaveLength(2);
  });

  it("start ticks on its own; stop waits for the tick in progress and ends ticking", async () => {
    let ticks = 0;
    let firstTick: () => void = () => undefined;
    const ticked = new Promise<void>((resolve) => (firstTick = resolve));
    const scheduler = new RotationScheduler({ service: f.keys.service, store: f.keyStore, hsms: f.core.hsms });
    const runOnce = scheduler.runOnce.bind(scheduler);
    scheduler.runOnce = async (now?: number) => {
      ticks++;
      const result = await runOnce(now);
      firstTick();
      return result;
    };
    scheduler.start(5);
    await ticked;
    await scheduler.stop();
    const after = ticks;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(after).toBeGreaterThan(0);
    expect(ticks).toBe(after);
  });
});
