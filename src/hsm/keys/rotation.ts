/**
 * Rotation policies (Key Vault's KeyRotationPolicy): lifetime actions
 * triggered a duration after a version's creation or before its expiry, and
 * the expiry given to versions made by rotation. Durations are ISO 8601
 * (e.g. P90D, P1Y, P3M); months count as 30 days and years as 365, since the
 * policy says when to act, not a calendar date.
 */
import { badParameter } from "../../errors.js";
import { fields, optionalString } from "../../pipeline/decode.js";

type LifetimeActionType = "Rotate" | "Notify";

export interface LifetimeAction {
  readonly timeAfterCreate?: string;
  readonly timeBeforeExpiry?: string;
  readonly action: LifetimeActionType;
}

export interface RotationPolicyInput {
  readonly lifetimeActions: readonly LifetimeAction[];
  readonly expiryTime?: string;
}

export interface RotationPolicy extends RotationPolicyInput {
  readonly id: string;
  readonly created?: number;
  readonly updated?: number;
}

const DAY = 86_400;
/** Key Vault's floor for automatic rotation and for the expiry of rotated versions. */
const MIN_ROTATION_SECONDS = 28 * DAY;
const MIN_NOTIFY_SECONDS = 7 * DAY;
const DURATION = /^P(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,7})H)?(?:(\d{1,9})M)?(?:(\d{1,10})S)?)?$/;
const UNIT_SECONDS = [365 * DAY, 30 * DAY, 7 * DAY, DAY, 3600, 60, 1];

/** Seconds in an ISO 8601 duration, or BadParameter naming `field`. */
export function durationSeconds(value: string, field: string): number {
  const match = DURATION.exec(value);
  if (match === null || value === "P" || value.endsWith("T")) throw badParameter(field, "must be an ISO 8601 duration such as P90D");
  return UNIT_SECONDS.reduce((sum, unit, i) => sum + Number(match[i + 1] ?? 0) * unit, 0);
}

function lifetimeAction(raw: unknown, field: string): LifetimeAction {
  const input = fields(raw, field);
  const action = optionalString(input, "action", 16);
  if (action !== "Rotate" && action !== "Notify") throw badParameter(`${field}.action`, "must be Rotate or Notify");
  const timeAfterCreate = optionalString(input, "timeAfterCreate", 64);
  const timeBeforeExpiry = optionalString(input, "timeBeforeExpiry", 64);
  if ((timeAfterCreate === undefined) === (timeBeforeExpiry === undefined)) {
    throw badParameter(field, "needs exactly one of time_after_create and time_before_expiry");
  }
  const triggerField = timeAfterCreate !== undefined ? `${field}.time_after_create` : `${field}.time_before_expiry`;
  const seconds = durationSeconds((timeAfterCreate ?? timeBeforeExpiry)!, triggerField);
  const floor = action === "Rotate" ? MIN_ROTATION_SECONDS : MIN_NOTIFY_SECONDS;
  if (seconds < floor) throw badParameter(triggerField, `must be at least ${floor / DAY} days for ${action}`);
  return { action, ...(timeAfterCreate === undefined ? { timeBeforeExpiry: timeBeforeExpiry! } : { timeAfterCreate }) };
}

/** A validated policy; every refusal names its field (e.g. `policy.lifetime_actions[0].time_after_create`). */
export function rotationPolicyInput(raw: unknown, field = "policy"): RotationPolicyInput {
  const input = fields(raw ?? {}, field);
  const list = input["lifetimeActions"] ?? [];
  if (!Array.isArray(list)) throw badParameter(`${field}.lifetime_actions`, "must be a list");
  if (list.length > 2) throw badParameter(`${field}.lifetime_actions`, "holds at most one Rotate and one Notify action");
  const lifetimeActions = list.map((entry, i) => lifetimeAction(entry, `${field}.lifetime_actions[${i}]`));
  if (new Set(lifetimeActions.map((a) => a.action)).size !== lifetimeActions.length) {
    throw badParameter(`${field}.lifetime_actions`, "holds at most one Rotate and one Notify action");
  }
  const expiryTime = optionalString(input, "expiryTime", 64);
  const expirySeconds = expiryTime === undefined ? undefined : durationSeconds(expiryTime, `${field}.expiry_time`);
  if (expirySeconds !== undefined && expirySeconds < MIN_ROTATION_SECONDS)
    throw badParameter(`${field}.expiry_time`, "must be at least 28 days");
  lifetimeActions.forEach((action, i) => {
    if (action.timeBeforeExpiry === undefined || expirySeconds === undefined) return;
    if (durationSeconds(action.timeBeforeExpiry, "") >= expirySeconds) {
      throw badParameter(`${field}.lifetime_actions[${i}].time_before_expiry`, "must be shorter than expiry_time");
    }
  });
  return { lifetimeActions, ...(expiryTime === undefined ? {} : { expiryTime }) };
}

/** When `action` of the policy falls due for a version created at `created` and expiring at `exp`, if ever. */
export function dueAt(action: LifetimeAction, version: { created: number; exp: number | undefined }): number | undefined {
  if (action.timeAfterCreate !== undefined) return version.created + durationSeconds(action.timeAfterCreate, "timeAfterCreate");
  if (action.timeBeforeExpiry !== undefined && version.exp !== undefined)
    return version.exp - durationSeconds(action.timeBeforeExpiry, "timeBeforeExpiry");
  return undefined;
}

/** The expiry a version made by rotation at `now` gets from the policy. */
export function rotatedExpiry(policy: RotationPolicyInput | undefined, now: number): number | undefined {
  return policy?.expiryTime === undefined ? undefined : now + durationSeconds(policy.expiryTime, "expiryTime");
}
