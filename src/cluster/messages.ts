/** What the primary of `keyhold serve --processes N` and its nodes tell each other over the cluster IPC channel. */
import type { KeyholdConfig } from "../config/index.js";
import { isRecord } from "../is-record.js";
import type { MetricsJson } from "./node-metrics.js";

/**
 * Node to primary, once its listener is in place: a message sent before that would be lost (the channel delivers
 * while the node's modules still load), so the primary sends StartNode only when asked.
 */
export interface AwaitingStart {
  readonly type: "keyhold:awaiting-start";
}

/** Primary to node, once: what to serve as whom. */
export interface StartNode {
  readonly type: "keyhold:start";
  readonly config: KeyholdConfig;
  readonly nodeId: string;
  /** Run development mode's set-up (only the first start of the first node: the others find it done). */
  readonly dev: boolean;
  /** The primary's metrics listener, for the node's `addresses.metrics` and the dev banner. */
  readonly metricsAddress: string;
}

/** Node to primary: it accepts calls. `banner` is the dev banner when it ran development mode's set-up. */
export interface NodeReady {
  readonly type: "keyhold:ready";
  readonly issuerUrl: string;
  readonly banner?: string;
}

/** Node to primary: it could not start, and why (the operator's to fix; the node exits). */
export interface NodeStartFailed {
  readonly type: "keyhold:start-failed";
  readonly message: string;
}

export interface MetricsRequest {
  readonly type: "keyhold:metrics-request";
  readonly id: number;
}

export interface MetricsReply {
  readonly type: "keyhold:metrics";
  readonly id: number;
  readonly metrics: MetricsJson;
}

type Message = AwaitingStart | StartNode | NodeReady | NodeStartFailed | MetricsRequest | MetricsReply;

/** Narrows an IPC message by its type (both ends are keyhold processes of the same build). */
export function isMessage<T extends Message["type"]>(value: unknown, type: T): value is Extract<Message, { type: T }> {
  return isRecord(value) && value["type"] === type;
}
