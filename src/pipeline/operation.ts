/**
 * An operation is declared once: its name (also the audit operationName),
 * its plane, how it is authorized, how its input is decoded, and its handler.
 * Transports only decode their wire format into `raw`, call dispatch and
 * encode the result; they hold no authorization or audit code.
 */
import type { AuditProperties } from "../audit/index.js";
import { KeyholdError } from "../errors.js";
import type { DataAction } from "../authz/index.js";
import type { Caller } from "./caller.js";
import type { HsmRuntime } from "./hsm-registry.js";

/** How the caller must be allowed. There is deliberately no "public" kind. */
export type Authorization<I> =
  /** Local RBAC of the HSM: the data action at the scope computed from the input. */
  | { readonly kind: "localRbac"; readonly dataAction: DataAction; readonly scope: (input: I) => string }
  /** Directory administration (Graph routes): a directory administrator of the caller's tenant. */
  | { readonly kind: "directoryAdministrator" }
  /** Management RBAC (ARM): the action (e.g. Microsoft.KeyVault/managedHSMs/write) at the ARM scope computed from the input. */
  | { readonly kind: "managementRbac"; readonly action: string; readonly scope: (input: I) => string };

export type Plane = "data" | "management";

export interface OperationContext {
  readonly caller: Caller;
  /** Set for operations that act on an HSM. */
  readonly hsm: HsmRuntime | undefined;
  readonly correlationId: string;
  readonly signal: AbortSignal | undefined;
  /**
   * A further management-RBAC check that only the store can name (moving a group or subscription needs write access
   * where it is now, not only where it goes). The pipeline decides it and records it in the call's audit record.
   */
  authorizeManagement(action: string, scope: string): Promise<void>;
}

export interface Operation<I = unknown, O = unknown> {
  /** Audit operationName, e.g. "KeySign", "RoleAssignmentCreate". */
  readonly name: string;
  /** Which audience tokens must carry: data plane (local RBAC) or management plane. */
  readonly plane: Plane;
  /** Whether the call addresses one HSM (x-hsm-name); such calls pass its network rules. */
  readonly targetsHsm: boolean;
  readonly authorization: Authorization<I>;
  /** Turns the transport's decoded request into typed input; BadParameter names the field. */
  decode(raw: unknown): I;
  execute(input: I, context: OperationContext): Promise<O>;
  /** Non-secret request details for the audit record (key name, algorithm, scope...). */
  describe?(input: I): AuditProperties;
}

/** Declares an operation with its input and output types inferred. */
export function defineOperation<I, O>(operation: Operation<I, O>): Operation<I, O> {
  return Object.freeze(operation);
}

/** The HSM of an operation declared with `targetsHsm`; the pipeline always resolves it first. */
export function hsmOf(context: OperationContext): HsmRuntime {
  if (context.hsm === undefined) throw new KeyholdError("InternalError", "an HSM operation reached its handler without an HSM");
  return context.hsm;
}
