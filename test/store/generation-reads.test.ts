/**
 * How reads of the store's generation are shared: one per turn of the event loop for the calls waiting then, kept by
 * each call from its first question to its result, and otherwise only by the callers of one run of the microtask
 * queue. Each test counts the reads that reach the
 * database and checks which value every question gets.
 */
import { setImmediate as turn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { changeContext, type PendingChange } from "../../src/store/index.js";
import { GenerationReads } from "../../src/store/generation-reads.js";

/** A database whose generation the test moves, counting the reads that reach it. */
function counter(): { reads: GenerationReads; count: () => number; commit: () => void } {
  let generation = 1;
  let reads = 0;
  return {
    reads: new GenerationReads(async () => {
      reads += 1;
      return generation;
    }),
    count: () => reads,
    commit: () => {
      generation += 1;
    },
  };
}

function call(): PendingChange & { inFlight: boolean } {
  return { open: false, inFlight: true, id: undefined, journal: "j", nodeId: "n", event: () => "{}", attached: () => undefined };
}

describe("generation reads", () => {
  it("a call reads once, however many questions it asks across turns of the event loop", async () => {
    const db = counter();
    const seen = await changeContext.run(call(), async () => {
      const values = [await db.reads.read()];
      await turn();
      values.push(await db.reads.read());
      await turn();
      values.push(await db.reads.read());
      return values;
    });
    expect(seen).toEqual([1, 1, 1]);
    expect(db.count()).toBe(1);
  });

  it("calls of one turn share one read, made after the last of them started", async () => {
    const db = counter();
    const first = changeContext.run(call(), () => db.reads.read());
    db.commit();
    const second = changeContext.run(call(), () => db.reads.read());
    expect(await Promise.all([first, second])).toEqual([2, 2]);
    expect(db.count()).toBe(1);
  });

  it("a call that starts after another process's commit sees it, while the earlier call keeps its own read", async () => {
    const db = counter();
    const earlier = call();
    expect(await changeContext.run(earlier, () => db.reads.read())).toBe(1);
    db.commit();
    await turn();
    expect(await changeContext.run(call(), () => db.reads.read())).toBe(2);
    expect(await changeContext.run(earlier, () => db.reads.read())).toBe(1);
  });

  it("this process's write drops a call's read at once", async () => {
    const db = counter();
    await changeContext.run(call(), async () => {
      expect(await db.reads.read()).toBe(1);
      db.commit();
      db.reads.forget();
      expect(await db.reads.read()).toBe(2);
    });
    expect(db.count()).toBe(2);
  });

  it("work a call leaves behind reads afresh once the call's result is settled", async () => {
    const db = counter();
    const finished = call();
    expect(await changeContext.run(finished, () => db.reads.read())).toBe(1);
    finished.inFlight = false;
    db.commit();
    await turn();
    expect(await changeContext.run(finished, () => db.reads.read())).toBe(2);
  });

  it("outside calls, readers of one microtask run share a read and later readers read again", async () => {
    const db = counter();
    const [first, second] = [db.reads.read(), db.reads.read()];
    expect(first).toBe(second);
    expect(await first).toBe(1);
    db.commit();
    await turn();
    expect(await db.reads.read()).toBe(2);
    expect(db.count()).toBe(2);
  });

  it("a failed read is kept by no call: the call's next question reads again", async () => {
    let fail = true;
    let reads = 0;
    const flaky = new GenerationReads(async () => {
      reads += 1;
      if (fail) throw new Error("database unavailable");
      return 7;
    });
    await changeContext.run(call(), async () => {
      await expect(flaky.read()).rejects.toThrow("database unavailable");
      fail = false;
      await turn();
      expect(await flaky.read()).toBe(7);
    });
    expect(reads).toBe(2);
  });
});
