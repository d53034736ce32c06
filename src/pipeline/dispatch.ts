/**
 * The one pipeline every request goes through, whatever door it came in by:
 *
 *   decode -> network rules -> authenticate -> authorize -> execute -> audit
 *
 * It fails closed: a call is refused when any step cannot decide, and a
 * result is released only after its audit record is durable. Every call,
 * allowed or denied, successful or failed, produces exactly one record.
 */
import { randomUUID } from "node:crypto";
import { AUDIT_OPERATION_VERSION, JOURNAL_UNAVAILABLE_MESSAGE, type AuditEventInput, type AuditProperties } from "../audit/index.js";
import type { Decision } from "../authz/index.js";
import { cappedError, echo, ECHO_ID_CHARS, ERROR_CLASSES, KeyholdError } from "../errors.js";
import { changeContext, type PendingChange } from "../store/index.js";
import { MANAGEMENT_JOURNAL, type AuditSink } from "./audit-sink.js";
import { hsmHostRequired, type HsmRegistry, type HsmRuntime } from "./hsm-registry.js";
import { enforceNetworkRules } from "./network-rules.js";
import type { Caller } from "./caller.js";
import type { AnyOperation, Operation, OperationContext, Plane } from "./operation.js";
import type { Cancellation } from "../workers/pool.js";

export interface RequestMeta {
  readonly transport: "grpc" | "https";
  /** The RPC (`/keyhold.v1.CryptoService/Sign`) or the HTTP method and path, for the audit record. */
  readonly method: string;
  /** The raw `authorization` header or metadata value. */
  readonly authorization: string | undefined;
  readonly hsmName: string | undefined;
  /**
   * How the door names an HSM: the `x-hsm-name` header (gRPC, the default) or the request's host name (the Key Vault
   * door's `{hsm}.{dnsSuffix}`); a call that names none on a server with several is told how to name one.
   */
  readonly hsmAddressing?: "header" | "host";
  readonly clientRequestId: string | undefined;
  readonly callerIp: string;
  readonly signal?: Cancellation | undefined;
}

/** Token verification (src/identity implements it): the bearer token's caller, resolved now. */
type VerifyToken = (token: string, options: { readonly plane: Plane; readonly tenantId?: string }) => Promise<Caller>;

/** The directory, as the pipeline asks it (src/identity implements it). */
interface DirectoryAdministrators {
  isDirectoryAdministrator(tenantId: string, oid: string): Promise<boolean>;
}

/** Local RBAC of each HSM (src/hsm implements it). */
interface LocalAuthorizer {
  decide(hsmId: string, principalIds: readonly string[], action: string, target: string): Promise<Decision>;
}

/** Management-plane RBAC over ARM scopes (src/management implements it). */
export interface ManagementAuthorizer {
  decide(
    principalIds: readonly string[],
    action: string,
    scope: string,
  ): Promise<{ allowed: boolean; decidingAssignments: readonly { id: string }[] }>;
}

interface PipelineLogger {
  error(details: Record<string, unknown>, message: string): void;
}

export interface PipelineDeps {
  readonly hsms: HsmRegistry;
  readonly verifyToken: VerifyToken;
  readonly directory: DirectoryAdministrators;
  readonly rbac: LocalAuthorizer;
  readonly audit: AuditSink;
  /** Absent until the management plane is configured; managementRbac operations are then refused. */
  readonly management?: ManagementAuthorizer;
  /** Where unexpected errors are reported (the caller only sees InternalError and a correlation id). */
  readonly logger?: PipelineLogger;
  readonly now?: () => number;
}

/** The outcome of each step, gathered for the one audit record. */
interface Trace {
  hsm?: HsmRuntime;
  caller?: Caller;
  authenticated: boolean;
  properties: AuditProperties;
}

/** The token of an `authorization: Bearer <token>` header, or undefined when the header carries none. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer +(\S+)$/i.exec(header.trim())?.[1];
}

function bearerToken(header: string | undefined): string {
  const token = bearerTokenOf(header);
  if (token === undefined) throw new KeyholdError("Unauthorized", "Missing bearer token: send 'authorization: Bearer <token>'.");
  return token;
}

/** An HSM that is not Activated serves only the operations that name its state in `availableWhile` (SPEC section 8). */
function enforceActivation(hsm: HsmRuntime, operation: AnyOperation): void {
  if (hsm.activation === "Activated" || operation.availableWhile?.includes(hsm.activation)) return;
  switch (hsm.activation) {
    case "NotActivated":
      throw new KeyholdError(
        "OperationNotAllowed",
        `HSM '${hsm.name}' is not activated: download its security domain first (SecurityDomainService.Download).`,
      );
    case "Restoring":
      throw new KeyholdError("OperationNotAllowed", `HSM '${hsm.name}' is being restored; try again when the restore has finished.`);
  }
}

export class Pipeline {
  readonly #deps: PipelineDeps;
  readonly #now: () => number;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  async dispatch<I, O>(operation: Operation<I, O>, raw: unknown, meta: RequestMeta): Promise<O> {
    const started = this.#now();
    const correlationId = meta.clientRequestId ?? randomUUID();
    const trace: Trace = { authenticated: false, properties: {} };
    const change = new CallChange(this.#deps.audit, trace, () => this.#event(operation, meta, correlationId, trace, started, undefined));
    let result: O;
    try {
      // The call's context from its start: the store keeps one generation read for the whole call, and the handler's
      // commits carry the call's audit record (the change opens only while the handler runs).
      result = await changeContext.run(change, () => this.#run(operation, raw, meta, correlationId, trace, change));
    } catch (thrown) {
      change.settle();
      const error = this.#asKeyholdError(thrown, operation.name, correlationId);
      await this.#record(change, this.#event(operation, meta, correlationId, trace, started, error)).catch((auditError: unknown) => {
        throw this.#asKeyholdError(auditError, operation.name, correlationId);
      });
      throw error;
    }
    change.settle();
    if (operation.describeResult !== undefined) trace.properties = { ...trace.properties, ...operation.describeResult(result) };
    await this.#record(change, this.#event(operation, meta, correlationId, trace, started, undefined)).catch((auditError: unknown) => {
      throw this.#asKeyholdError(auditError, operation.name, correlationId);
    });
    return result;
  }

  async #run<I, O>(
    operation: Operation<I, O>,
    raw: unknown,
    meta: RequestMeta,
    correlationId: string,
    trace: Trace,
    change: CallChange,
  ): Promise<O> {
    const input = operation.decode(raw);
    trace.properties = { ...operation.describe?.(input) };

    const { hsm, unknownHsm } = operation.targetsHsm ? await this.#resolveHsm(meta.hsmName) : { hsm: undefined, unknownHsm: undefined };
    if (hsm !== undefined) {
      trace.hsm = hsm;
      enforceNetworkRules(hsm, meta.callerIp);
    }

    // A known HSM's network rules come first (SPEC section 7) and its tenant's tokens only pass. An unknown HSM is
    // reported only to a caller any tenant of this node authenticates, so that HSM names cannot be probed before login.
    const caller = await this.#deps.verifyToken(bearerToken(meta.authorization), {
      plane: operation.plane,
      ...(hsm === undefined ? {} : { tenantId: hsm.tenantId }),
    });
    trace.caller = caller;
    trace.authenticated = true;
    if (unknownHsm !== undefined) throw meta.hsmName === undefined ? await this.#unaddressed(caller, meta, unknownHsm) : unknownHsm;

    await this.#authorize(operation, input, caller, hsm, trace);
    if (hsm !== undefined) enforceActivation(hsm, operation);
    // Refuse before acting when the journal is already known to be unwritable (fail closed).
    if (!(await this.#deps.audit.writable(hsm?.name))) {
      throw new KeyholdError("Unavailable", JOURNAL_UNAVAILABLE_MESSAGE);
    }
    const context: OperationContext = {
      caller,
      hsm,
      correlationId,
      signal: meta.signal,
      authorizeManagement: (action, scope) => this.#authorizeManagement(action, scope, caller, trace),
    };
    // Whatever the handler commits carries the call's audit record into the store's outbox (SPEC section 9).
    change.openForHandler();
    try {
      return await operation.execute(input, context);
    } finally {
      change.close();
    }
  }

  /** The HSM a call names; HsmNotFound is returned, not thrown, so that it is told only after authentication. */
  async #resolveHsm(
    name: string | undefined,
  ): Promise<{ hsm: HsmRuntime; unknownHsm?: undefined } | { hsm?: undefined; unknownHsm: KeyholdError }> {
    try {
      return { hsm: await this.#deps.hsms.resolve(name) };
    } catch (error) {
      if (error instanceof KeyholdError && error.code === "HsmNotFound") return { unknownHsm: error };
      throw error;
    }
  }

  /**
   * A call by host name that named no HSM (`localhost`, an IP address) on a server with several: the refusal names the
   * host names of the caller's own tenant's HSMs, told only after authentication (SPEC section 13).
   */
  async #unaddressed(caller: Caller, meta: RequestMeta, refusal: KeyholdError): Promise<KeyholdError> {
    if (meta.hsmAddressing !== "host") return refusal;
    const hosts = (await this.#deps.hsms.list()).filter((hsm) => hsm.tenantId === caller.tid).map((hsm) => hsm.hsmUriHost);
    return hosts.length < 2 ? refusal : hsmHostRequired(hosts);
  }

  async #authorize<I>(
    operation: Operation<I, unknown>,
    input: I,
    caller: Caller,
    hsm: HsmRuntime | undefined,
    trace: Trace,
  ): Promise<void> {
    const authorization = operation.authorization;
    if (authorization.kind === "directoryAdministrator") {
      const allowed = await this.#deps.directory.isDirectoryAdministrator(caller.tid, caller.oid);
      trace.properties = { ...trace.properties, decision: allowed ? "allowed" : "denied", dataAction: "directory/administer" };
      if (!allowed) {
        throw new KeyholdError("ForbiddenByRbac", `Caller ${caller.oid} is not a directory administrator of tenant ${caller.tid}.`);
      }
      return;
    }
    if (authorization.kind === "managementRbac")
      return this.#authorizeManagement(authorization.action, authorization.scope(input), caller, trace);
    if (hsm === undefined)
      throw new KeyholdError("InternalError", `operation ${operation.name} is authorized by local RBAC but names no HSM`);
    const scope = authorization.scope(input);
    const decision = await this.#deps.rbac.decide(hsm.id, [caller.oid, ...caller.groupIds], authorization.dataAction, scope);
    recordDecision(trace, authorization.dataAction, scope, decision);
    if (!decision.allowed) {
      throw new KeyholdError(
        "ForbiddenByRbac",
        `Caller ${caller.oid} is not authorized to perform ${authorization.dataAction} on scope ${echo(scope, ECHO_ID_CHARS)} of HSM '${hsm.name}'.`,
      );
    }
  }

  /** Management RBAC over an ARM scope; the last check made is the one the audit record shows. */
  async #authorizeManagement(action: string, scope: string, caller: Caller, trace: Trace): Promise<void> {
    if (this.#deps.management === undefined) throw new KeyholdError("InternalError", "management RBAC is not configured on this node");
    const decision = await this.#deps.management.decide([caller.oid, ...caller.groupIds], action, scope);
    recordDecision(trace, action, scope, decision);
    if (!decision.allowed) {
      throw new KeyholdError(
        "ForbiddenByRbac",
        `The client ${caller.oid} does not have authorization to perform action ${action} over scope ${echo(scope, ECHO_ID_CHARS)}.`,
      );
    }
  }

  #asKeyholdError(error: unknown, operationName: string, correlationId: string): KeyholdError {
    if (error instanceof KeyholdError) return cappedError(error);
    this.#deps.logger?.error({ err: error, operation: operationName, correlationId }, "unexpected error in operation");
    return new KeyholdError("InternalError", `An internal error occurred; correlation id ${correlationId}.`);
  }

  /**
   * Makes the call's record durable. A call that committed a change already holds its record in the outbox (written
   * with the change), so the journal's failure cannot undo or hide it; any other call's result waits for its line.
   */
  #record(change: CallChange, event: AuditEventInput): Promise<void> {
    const journal = change.trace.hsm?.name;
    if (change.id !== undefined) return this.#deps.audit.recordChange(journal, event, change.id);
    return this.#deps.audit.record(journal, event);
  }

  #event<I, O>(
    operation: Operation<I, O>,
    meta: RequestMeta,
    correlationId: string,
    trace: Trace,
    started: number,
    error: KeyholdError | undefined,
  ): AuditEventInput {
    const status =
      error === undefined
        ? meta.transport === "grpc"
          ? "OK"
          : "200"
        : meta.transport === "grpc"
          ? ERROR_CLASSES[error.code].grpc
          : String(ERROR_CLASSES[error.code].http);
    const identity =
      trace.caller === undefined
        ? {}
        : {
            oid: trace.caller.oid,
            tid: trace.caller.tid,
            ...(trace.caller.upn ? { upn: trace.caller.upn } : {}),
            ...(trace.caller.appid ? { appid: trace.caller.appid } : {}),
          };
    return {
      time: new Date(started),
      resourceId: trace.hsm?.resourceId ?? (meta.hsmName === undefined ? "/" : `hsm:${echo(meta.hsmName)}`),
      operationName: trace.authenticated ? operation.name : "Authentication",
      operationVersion: AUDIT_OPERATION_VERSION,
      resultType: error === undefined ? "Success" : "Failure",
      resultSignature: status,
      resultDescription: error === undefined ? "" : error.message,
      durationMs: Math.max(0, this.#now() - started),
      callerIpAddress: meta.callerIp,
      correlationId,
      identity,
      properties: {
        ...trace.properties,
        ...(meta.transport === "grpc" ? { rpc: meta.method } : { requestUri: meta.method }),
        ...(error === undefined ? {} : { errorCode: error.code }),
        ...(meta.hsmName === undefined ? {} : { hsmName: echo(meta.hsmName) }),
      },
    };
  }
}

/** The call as the store sees it while its handler runs (src/store/change-records.ts). */
class CallChange implements PendingChange {
  #open = false;
  #inFlight = true;
  #id: number | undefined;

  constructor(
    readonly audit: AuditSink,
    readonly trace: Trace,
    private readonly successEvent: () => AuditEventInput,
  ) {}

  get open(): boolean {
    return this.#open;
  }

  get inFlight(): boolean {
    return this.#inFlight;
  }

  get id(): number | undefined {
    return this.#id;
  }

  get journal(): string {
    return this.trace.hsm?.name ?? MANAGEMENT_JOURNAL;
  }

  get nodeId(): string {
    return this.audit.nodeId;
  }

  event(): string {
    return JSON.stringify(this.successEvent());
  }

  attached(id: number): void {
    this.#id = id;
    this.audit.holdChange(id);
  }

  openForHandler(): void {
    this.#open = true;
  }

  close(): void {
    this.#open = false;
  }

  /** The result is decided: work the call started that outlives it reads the store afresh. */
  settle(): void {
    this.#inFlight = false;
  }
}

function recordDecision(
  trace: Trace,
  action: string,
  scope: string,
  decision: { allowed: boolean; decidingAssignments: readonly { id: string }[] },
): void {
  trace.properties = {
    ...trace.properties,
    scope,
    dataAction: action,
    decision: decision.allowed ? "allowed" : "denied",
    ...(decision.decidingAssignments[0] === undefined ? {} : { decidingAssignment: decision.decidingAssignments[0].id }),
  };
}
