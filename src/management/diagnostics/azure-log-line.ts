/**
 * Where and how Azure Monitor writes a resource's logs to a storage account:
 * container `insights-logs-<category>`, one append blob per resource and UTC
 * hour of the event, `resourceId=<RESOURCE ID IN UPPER CASE>/y=YYYY/m=MM/d=DD/
 * h=HH/m=00/PT1H.json`, one JSON object per line.
 */
import type { AuditEvent } from "../../audit/event.js";

export const AUDIT_EVENT_CONTAINER = "insights-logs-auditevent";

/** Azure Monitor upper-cases the whole resource id in blob paths and log lines. */
export function azureResourceId(resourceId: string): string {
  return resourceId.toUpperCase();
}

/** The hourly blob of an event that happened at `time`. */
export function auditLogBlobName(resourceId: string, time: Date): string {
  const two = (value: number): string => String(value).padStart(2, "0");
  return (
    `resourceId=${azureResourceId(resourceId)}` +
    `/y=${String(time.getUTCFullYear()).padStart(4, "0")}/m=${two(time.getUTCMonth() + 1)}/d=${two(time.getUTCDate())}` +
    `/h=${two(time.getUTCHours())}/m=00/PT1H.json`
  );
}

/** One line of the blob: the event's fields in Azure's order, under the resource's upper-cased id. */
export function auditLogLine(event: AuditEvent, resourceId: string): string {
  return JSON.stringify({
    time: event.time,
    resourceId: azureResourceId(resourceId),
    operationName: event.operationName,
    operationVersion: event.operationVersion,
    category: event.category,
    resultType: event.resultType,
    resultSignature: event.resultSignature,
    resultDescription: event.resultDescription,
    durationMs: event.durationMs,
    callerIpAddress: event.callerIpAddress,
    correlationId: event.correlationId,
    identity: event.identity,
    properties: event.properties,
  });
}
