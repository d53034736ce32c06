/**
 * One bidirectional `Stream` call used as a pipe of many operations: each
 * request gets a fresh id, its answer is found by that id (answers come back
 * as they finish, not in order). The number of requests in flight is bounded
 * by the callers (the load loops assigned to this stream), not here.
 */
import { create } from "@bufbuild/protobuf";
import type { ClientDuplexStream, ServiceError } from "@grpc/grpc-js";
import { StreamRequestSchema, type StreamRequest, type StreamResponse } from "../gen/keyhold/v1/crypto_service_pb.js";
import { failedCall, statusName } from "./connection.js";
import type { CryptoRequest } from "./operations.js";
import type { Outcome } from "./outcome.js";

type Settle = (result: { outcome: Outcome; response?: StreamResponse }) => void;

interface Pending {
  readonly settle: Settle;
  readonly sentAt: number;
}

interface Session {
  readonly call: ClientDuplexStream<StreamRequest, StreamResponse>;
  /** In send order (Map keeps insertion order), which the deadline sweep relies on. */
  readonly pending: Map<string, Pending>;
  /** Resolves once the call has its final status, whatever it was. */
  readonly finished: Promise<void>;
}

export class StreamChannel {
  private session: Session | undefined;
  private readonly sessions = new Set<Session>();
  private nextId = 0;
  /** Answers whose id matched no request in flight: must stay 0. */
  unmatched = 0;
  /** Answers whose id matched a request in flight. */
  matched = 0;
  /** Ids given up on by the deadline sweep: a late answer to one is not "unmatched". */
  private readonly expired = new Set<string>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly open: () => ClientDuplexStream<StreamRequest, StreamResponse>,
    private readonly idPrefix: string,
    /** An item unanswered this long fails as DEADLINE_EXCEEDED, so a wedged stream cannot hold the run. */
    private readonly itemTimeoutMs: number,
  ) {}

  send(request: CryptoRequest): Promise<{ outcome: Outcome; response?: StreamResponse }> {
    const session = this.session ?? this.start();
    const id = `${this.idPrefix}${(this.nextId++).toString(36)}`;
    return new Promise((resolve) => {
      session.pending.set(id, { settle: resolve, sentAt: performance.now() });
      session.call.write(create(StreamRequestSchema, { id, operation: request }));
    });
  }

  /** Half-closes the streams and waits for the server to end them. */
  async close(): Promise<void> {
    for (const session of this.sessions) session.call.end();
    await Promise.all([...this.sessions].map((session) => session.finished));
    clearInterval(this.sweeper);
  }

  private start(): Session {
    const call = this.open();
    const pending = new Map<string, Pending>();
    const finished = new Promise<void>((resolve) => {
      call.once("status", () => resolve());
      call.once("close", () => resolve());
    });
    const session: Session = { call, pending, finished };
    this.session = session;
    this.sessions.add(session);
    void finished.then(() => this.sessions.delete(session));
    this.sweeper ??= setInterval(() => this.expireOverdue(), Math.max(10, this.itemTimeoutMs / 4)).unref();
    call.on("data", (response: StreamResponse) => {
      const item = pending.get(response.id);
      if (item === undefined) {
        if (!this.expired.delete(response.id)) this.unmatched++;
        return;
      }
      this.matched++;
      pending.delete(response.id);
      item.settle({
        outcome:
          response.code === 0
            ? { ok: true }
            : { ok: false, code: statusName(response.code), ...(response.errorCode ? { errorCode: response.errorCode } : {}) },
        response,
      });
    });
    // A stream that fails or ends fails what it still holds; the next send opens a new one.
    call.on("error", (error: ServiceError) => this.failAll(session, failedCall(error)));
    call.on("end", () => this.failAll(session, { ok: false, code: "UNAVAILABLE", errorCode: "StreamEnded" }));
    return session;
  }

  private failAll(session: Session, outcome: Outcome): void {
    if (this.session === session) this.session = undefined;
    for (const item of session.pending.values()) item.settle({ outcome });
    session.pending.clear();
  }

  private expireOverdue(): void {
    const cutoff = performance.now() - this.itemTimeoutMs;
    for (const session of this.sessions) {
      for (const [id, item] of session.pending) {
        if (item.sentAt > cutoff) break;
        session.pending.delete(id);
        this.expired.add(id);
        item.settle({ outcome: { ok: false, code: "DEADLINE_EXCEEDED" } });
      }
    }
  }
}
