/**
 * When a generation read may be shared (src/store/generation-reads.ts): never a read sent before a caller started,
 * one read per call, and at most one read in flight and one queued however many callers arrive. The read is a
 * counter the test controls, so what each caller saw tells which read it got.
 */
import { describe, expect, it } from "vitest";
import { GenerationReads, withOneGenerationRead } from "../../src/store/generation-reads.js";

/** A read function whose reads the test answers one by one; each answers the generation current when it was sent. */
function controlledReads(): { reads: GenerationReads; sent: number[]; answer(): void; generation: { value: number } } {
  const generation = { value: 0 };
  const sent: number[] = [];
  const pending: (() => void)[] = [];
  const reads = new GenerationReads(() => {
    const seen = generation.value;
    sent.push(seen);
    return new Promise<number>((resolve) => pending.push(() => resolve(seen)));
  });
  return { reads, sent, generation, answer: () => pending.shift()?.() };
}

/** Lets every pending callback and microtask run (a later turn of the event loop). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("generation reads", () => {
  it("callers of one turn share a read; a caller arriving while it is in flight gets a later read, shared with the others that wait", async () => {
    const { reads, sent, generation, answer } = controlledReads();
    const first = [reads.read(), reads.read()];
    await nextTurn();
    // A commit lands while the first read is on its way; whoever arrives now must see it.
    generation.value = 1;
    const late = [reads.read(), reads.read(), reads.read()];
    await nextTurn();
    expect(sent).toEqual([0]);
    answer();
    expect(await Promise.all(first)).toEqual([0, 0]);
    await nextTurn();
    expect(sent).toEqual([0, 1]);
    answer();
    expect(await Promise.all(late)).toEqual([1, 1, 1]);
  });

  it("a call's checks share the read made at its first check; this process's write voids it; after the call, reads are fresh", async () => {
    const { reads, sent, generation, answer } = controlledReads();
    let afterCall: Promise<number> | undefined;
    const call = withOneGenerationRead(async () => {
      const firstCheck = reads.read();
      answer();
      expect(await firstCheck).toBe(0);
      generation.value = 1;
      await nextTurn();
      // Another node committed meanwhile: the call goes on with the read it made after it started.
      expect(await reads.read()).toBe(0);
      expect(sent).toEqual([0]);
      // This process wrote: its next check reads again.
      reads.forget();
      const afterWrite = reads.read();
      answer();
      expect(await afterWrite).toBe(1);
      generation.value = 2;
      // Work the call leaves running reads afresh once the call is over.
      afterCall = nextTurn().then(() => reads.read());
    });
    await call;
    await nextTurn();
    answer();
    expect(await afterCall).toBe(2);
    expect(sent).toEqual([0, 1, 2]);
  });

  it("keeps at most one read in flight and one queued for many callers, and a failed read is not reused", async () => {
    let sent = 0;
    let fail = true;
    const reads = new GenerationReads(async () => {
      sent++;
      // A read takes five turns of the event loop; callers below arrive every turn.
      for (let turn = 0; turn < 5; turn++) await nextTurn();
      if (fail) throw new Error("store unavailable");
      return sent;
    });
    const failed = reads.read();
    await expect(failed).rejects.toThrow("store unavailable");
    fail = false;
    const callers: Promise<number>[] = [];
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 10; i++) callers.push(reads.read());
      await nextTurn();
    }
    await Promise.all(callers);
    // One read per turn would be 20 (plus the failed one); one in flight and one queued is about one per five turns.
    expect(sent).toBeGreaterThan(2);
    expect(sent).toBeLessThanOrEqual(8);
  });
});
