import type { PrincipalKind } from "../store/records.js";

/** Who is calling, resolved now. `groupIds` holds every group the caller belongs to, transitively. */
export interface Caller {
  readonly oid: string;
  readonly tid: string;
  /** "external" for principals of a trusted external issuer, which the directory does not hold. */
  readonly kind: Exclude<PrincipalKind, "group"> | "external";
  readonly displayName: string;
  readonly upn?: string;
  readonly appid?: string;
  readonly groupIds: readonly string[];
}
