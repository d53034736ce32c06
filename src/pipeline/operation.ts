/**
 * An operation is declared once: its name (also the audit operationName),
 * how it is authorized (which decides its plane and whether it targets an
 * HSM), how its input is decoded, and its handler.
 * Transports only decode their wire format into `raw`, call dispatch and
 * encode the result; they hold no authorization or audit code.
 */
import type { AuditProperties } from "../audit/index.js";
import { KeyholdError } from "../errors.js";
import type { DataAction, DataActionSuffix } from "../authz/index.js";
import type { Caller } from "./caller.js";
import { dataAction } from "./data-action.js";
import type { ActivationStatus, HsmRuntime } from "./hsm-registry.js";
import type { Cancellation } from "../workers/pool.js";

/**
 * How the caller must be allowed. There is deliberately no "public" kind. `scope` is a method so that an operation of
 * any input is an AnyOperation (see there).
 */
type Authorization<I> =
  /** Local RBAC of the HSM: the data action at the scope computed from the input. */
  | { readonly kind: "localRbac"; readonly dataAction: DataAction; scope(input: I): string }
  /** Directory administration (Graph routes): a directory administrator of the caller's tenant. */
  | { readonly kind: "directoryAdministrator" }
  /** Management RBAC (ARM): the action (e.g. Microsoft.KeyVault/managedHSMs/write) at the ARM scope computed from the input. */
  | { readonly kind: "managementRbac"; readonly action: string; scope(input: I): string };

export type Plane = "data" | "management";

/** The states of an HSM besides Activated; an operation is refused in them unless it names them in `availableWhile`. */
type InactiveState = Exclude<ActivationStatus, "Activated">;

export interface OperationContext {
  readonly caller: Caller;
  /** Set for operations that act on an HSM. */
  readonly hsm: HsmRuntime | undefined;
  readonly correlationId: string;
  /** The caller's cancellation, for work that waits in a queue (the crypto pool). */
  readonly signal: Cancellation | undefined;
  /**
   * A further management-RBAC check that only the store can name (moving a group or subscription needs write access
   * where it is now, not only where it goes). The pipeline decides it and records it in the call's audit record.
   */
  authorizeManagement(action: string, scope: string): Promise<void>;
}

/**
 * An operation as the pipeline runs it. Declare one with dataOperation, managementOperation or directoryOperation,
 * which derive `plane`, `targetsHsm` and `authorization` from what authorizes it.
 */
export interface Operation<I = unknown, O = unknown> {
  /** Audit operationName, e.g. "KeySign", "RoleAssignmentCreate". */
  readonly name: string;
  /** Which audience tokens must carry: data plane (local RBAC) or management plane. */
  readonly plane: Plane;
  /** Whether the call addresses one HSM (x-hsm-name); such calls pass its network rules. */
  readonly targetsHsm: boolean;
  readonly authorization: Authorization<I>;
  /** The states besides Activated in which the HSM serves this operation (SPEC section 8); none when absent. */
  readonly availableWhile?: readonly InactiveState[];
  /** Turns the transport's decoded request into typed input; BadParameter names the field. */
  decode(raw: unknown): I;
  execute(input: I, context: OperationContext): Promise<O>;
  /** Non-secret request details for the audit record (key name, algorithm, scope...). */
  describe?(input: I): AuditProperties;
  /** Non-secret details of a successful result for the audit record (a batch's failed items). */
  describeResult?(output: O): AuditProperties;
}

/**
 * An operation of some input and output types, as the table holds it. Every Operation<I, O> is one without a cast:
 * its functions are methods, whose parameters TypeScript checks both ways. That is sound here because the pipeline
 * only ever hands `scope`, `describe` and `execute` what the same operation's `decode` returned.
 */
export type AnyOperation = Operation<unknown, unknown>;

/** An operation whose name the type system knows, as the constructors return it: bindings look its result type up by name. */
export type NamedOperation<N extends string, I, O> = Operation<I, O> & { readonly name: N };

/** What every declaration states; the constructors add plane, HSM targeting and authorization. */
export interface OperationDeclaration<I, O, N extends string = string> {
  readonly name: N;
  decode(raw: unknown): I;
  execute(input: I, context: OperationContext): Promise<O>;
  describe?(input: I): AuditProperties;
  /** The result type is inferred from `execute`, never from this. */
  describeResult?(output: NoInfer<O>): AuditProperties;
}

export interface DataOperationDeclaration<I, O, N extends string = string> extends OperationDeclaration<I, O, N> {
  /** The local-RBAC data action, after `Microsoft.KeyVault/managedHsm/` (`keys/sign/action`). */
  readonly dataAction: DataActionSuffix;
  /**
   * The local-RBAC scope the input addresses (`/`, `/keys/<name>`). A function property, not a method, so that the
   * input type is inferred from `decode` rather than from a scope function written for a wider input.
   */
  readonly scope: (input: I) => string;
  readonly availableWhile?: readonly InactiveState[];
}

export interface ManagementOperationDeclaration<I, O, N extends string = string> extends OperationDeclaration<I, O, N> {
  /** The ARM action, e.g. Microsoft.KeyVault/managedHSMs/write. */
  readonly action: string;
  /** The ARM scope the input addresses (a function property, as in DataOperationDeclaration). */
  readonly scope: (input: I) => string;
}

/** An operation on one HSM's data plane: data-plane tokens, the HSM's network rules, its local RBAC. */
export function dataOperation<N extends string, I, O>(declaration: DataOperationDeclaration<I, O, N>): NamedOperation<N, I, O> {
  const { dataAction: suffix, scope, ...rest } = declaration;
  const operation: NamedOperation<N, I, O> = {
    ...rest,
    plane: "data",
    targetsHsm: true,
    authorization: { kind: "localRbac", dataAction: dataAction(suffix), scope },
  };
  return Object.freeze(operation);
}

/** An ARM operation: management-plane tokens and management RBAC; it names no HSM by x-hsm-name. */
export function managementOperation<N extends string, I, O>(declaration: ManagementOperationDeclaration<I, O, N>): NamedOperation<N, I, O> {
  const { action, scope, ...rest } = declaration;
  const operation: NamedOperation<N, I, O> = {
    ...rest,
    plane: "management",
    targetsHsm: false,
    authorization: { kind: "managementRbac", action, scope },
  };
  return Object.freeze(operation);
}

/** A directory (Graph) operation: management-plane tokens and a directory administrator of the caller's tenant. */
export function directoryOperation<N extends string, I, O>(declaration: OperationDeclaration<I, O, N>): NamedOperation<N, I, O> {
  const operation: NamedOperation<N, I, O> = {
    ...declaration,
    plane: "management",
    targetsHsm: false,
    authorization: { kind: "directoryAdministrator" },
  };
  return Object.freeze(operation);
}

/** The HSM of a data operation (one that targets an HSM); the pipeline always resolves it first. */
export function hsmOf(context: OperationContext): HsmRuntime {
  if (context.hsm === undefined) throw new KeyholdError("InternalError", "an HSM operation reached its handler without an HSM");
  return context.hsm;
}
