/** The bounded LRU behind the worker key cache, the opened-key cache and the authorization decision cache. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Lru } from "../src/lru.js";

/** A plain model: keys from least to most recently used, with their weights. */
function modelSet(model: [string, number][], key: string, weight: number, maxWeight: number): [string, number][] {
  const next = model.filter(([k]) => k !== key).concat([[key, weight]]);
  let total = next.reduce((sum, [, w]) => sum + w, 0);
  while (total > maxWeight && next[0]![0] !== key) total -= next.shift()![1];
  return next;
}

describe("Lru", () => {
  it("agrees with a model over any sequence of sets, gets, deletes and prefix deletes", () => {
    const key = fc.constantFrom("a1", "a2", "b1", "b2", "c1");
    const step = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), key, weight: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ kind: fc.constant("get" as const), key }),
      fc.record({ kind: fc.constant("delete" as const), key }),
      fc.record({ kind: fc.constant("prefix" as const), key: fc.constantFrom("a", "b") }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(step, { maxLength: 40 }), (maxWeight, steps) => {
        const lru = new Lru<number>(maxWeight, (weight) => weight);
        let model: [string, number][] = [];
        for (const s of steps) {
          if (s.kind === "set") {
            lru.set(s.key, s.weight);
            model = modelSet(model, s.key, s.weight, maxWeight);
          } else if (s.kind === "get") {
            const found = model.find(([k]) => k === s.key);
            expect(lru.get(s.key)).toBe(found?.[1]);
            if (found !== undefined) model = model.filter(([k]) => k !== s.key).concat([found]);
          } else if (s.kind === "delete") {
            lru.delete(s.key);
            model = model.filter(([k]) => k !== s.key);
          } else {
            lru.deletePrefix(s.key);
            model = model.filter(([k]) => !k.startsWith(s.key));
          }
          expect(lru.size).toBe(model.length);
        }
        for (const [k, w] of model) expect(lru.get(k)).toBe(w);
      }),
    );
  });

  it("counts entries when no weight is given, and keeps the entry just set even when it alone is over the bound", () => {
    const byCount = new Lru<string>(2);
    byCount.set("x", "1");
    byCount.set("y", "2");
    byCount.get("x");
    byCount.set("z", "3");
    expect([byCount.get("x"), byCount.get("y"), byCount.get("z")]).toEqual(["1", undefined, "3"]);

    const byWeight = new Lru<number>(3, (w) => w);
    byWeight.set("small", 1);
    byWeight.set("huge", 10);
    expect([byWeight.get("small"), byWeight.get("huge"), byWeight.size]).toEqual([undefined, 10, 1]);
    byWeight.clear();
    expect(byWeight.size).toBe(0);
  });
});
