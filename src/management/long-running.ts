/**
 * Long-running ARM operations: a record that reads InProgress while the work runs and then Succeeded or Failed, served
 * at `.../locations/{location}/operationResults/{id}` for clients that poll the 202's Location. The work runs before
 * the 202 is sent (it takes milliseconds here), so a poll already sees its outcome; the record still exists so ARM
 * clients and their polling loops work unchanged, and a failure after acceptance is reported where ARM reports it.
 */
import { randomUUID } from "node:crypto";
import { echo, KeyholdError } from "../errors.js";
import type { ArmOperationRecord, Store } from "../store/index.js";
import { operationResultId } from "../arm/arm-ids.js";

export interface LongRunningTarget {
  readonly subscriptionId: string;
  readonly location: string;
  readonly resourceId: string;
}

export interface StartedOperation {
  readonly record: ArmOperationRecord;
  /** Where the client polls (path of the operationResults resource). */
  readonly pollPath: string;
}

export class LongRunningOperations {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(store: Store, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** Records the operation, runs `work`, records its outcome. The work's failure is kept in the record, not thrown. */
  async run(target: LongRunningTarget, work: () => Promise<void>): Promise<StartedOperation> {
    const started: ArmOperationRecord = {
      id: randomUUID(),
      subscriptionId: target.subscriptionId,
      resourceId: target.resourceId,
      status: "InProgress",
      startedAt: this.#now(),
      endedAt: undefined,
      error: undefined,
    };
    await this.#store.management.putOperation(started);
    let finished: ArmOperationRecord;
    try {
      await work();
      finished = { ...started, status: "Succeeded", endedAt: this.#now() };
    } catch (error) {
      // Only keyhold's own messages are stored; anything else could carry internal detail.
      const described =
        error instanceof KeyholdError
          ? { code: error.code, message: error.message }
          : { code: "InternalError", message: "The operation failed." };
      finished = { ...started, status: "Failed", endedAt: this.#now(), error: described };
    }
    await this.#store.management.putOperation(finished);
    // The poll URL names the resource the operation acted on, so polling is authorized where the caller was
    // authorized to start it (a role at the resource group covers its HSMs' operations).
    const pollPath = `${operationResultId(target.subscriptionId, target.location, started.id)}?resourceId=${encodeURIComponent(target.resourceId)}`;
    return { record: finished, pollPath };
  }

  async status(subscriptionId: string, location: string, id: string, resourceId: string): Promise<Record<string, unknown>> {
    const record = await this.#store.management.getOperation(id);
    if (
      record === undefined ||
      record.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase() ||
      record.resourceId.toLowerCase() !== resourceId.toLowerCase()
    ) {
      throw new KeyholdError("NotFound", `Operation ${echo(id)} was not found in subscription ${echo(subscriptionId)}.`);
    }
    return {
      id: operationResultId(subscriptionId, location, record.id),
      name: record.id,
      status: record.status,
      startTime: new Date(record.startedAt).toISOString(),
      ...(record.endedAt === undefined ? {} : { endTime: new Date(record.endedAt).toISOString() }),
      ...(record.error === undefined ? {} : { error: { ...record.error } }),
    };
  }
}
