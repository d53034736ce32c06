/**
 * `<data-dir>/endpoints.json`: where the server running on a data dir listens, so that the CLI on the same data dir
 * reaches it (and mints tokens with its issuer URL) without `--endpoint` or `--issuer-url`. `keyhold serve` writes it
 * once its ports are bound and removes it on a clean shutdown; a file whose process is gone (a crash, SIGKILL) is
 * ignored. A leaf module: every client command reads it.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { isRecord } from "./is-record.js";
import { readIfPresent, writeFileAtomically } from "./files.js";

export interface ServerEndpoints {
  /** host:port a client dials for the gRPC data plane (a wildcard listen address becomes loopback). */
  readonly grpc: string;
  /** host:port of the HTTPS listener (management plane, identity). */
  readonly https: string;
  /** host:port of the plain-HTTP metrics listener. */
  readonly metrics: string;
  /** The issuer base URL the server verifies tokens against (`iss` = `<issuerUrl>/<tenant>/v2.0`). */
  readonly issuerUrl: string;
  readonly pid: number;
}

function endpointsFilePath(dataDir: string): string {
  return join(dataDir, "endpoints.json");
}

/** A wildcard listen address names no host a client can dial: the loopback of the same family stands for it. */
function dialableAddress(address: string): string {
  if (address.startsWith("0.0.0.0:")) return `127.0.0.1:${address.slice("0.0.0.0:".length)}`;
  if (address.startsWith("[::]:")) return `[::1]:${address.slice("[::]:".length)}`;
  return address;
}

export function writeEndpointsFile(dataDir: string, endpoints: ServerEndpoints): void {
  const dialable = {
    ...endpoints,
    grpc: dialableAddress(endpoints.grpc),
    https: dialableAddress(endpoints.https),
    metrics: dialableAddress(endpoints.metrics),
  };
  writeFileAtomically(endpointsFilePath(dataDir), `${JSON.stringify(dialable, null, 2)}\n`, 0o644);
}

/** Removes the file if this process wrote it (a second server on the same data dir may have replaced it). */
export function removeEndpointsFile(dataDir: string, pid: number = process.pid): void {
  const current = readEndpointsFile(dataDir);
  if (current?.pid === pid) rmSync(endpointsFilePath(dataDir), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readEndpointsFile(dataDir: string): ServerEndpoints | undefined {
  let parsed: unknown;
  try {
    const text = readIfPresent(endpointsFilePath(dataDir));
    if (text === undefined) return undefined;
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const { grpc, https, metrics, issuerUrl, pid } = parsed;
  if (typeof grpc !== "string" || typeof https !== "string" || typeof metrics !== "string" || typeof issuerUrl !== "string")
    return undefined;
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { grpc, https, metrics, issuerUrl, pid };
}

/** The endpoints of the server running on `dataDir`, or undefined when none runs there (no file, a damaged one, or a dead pid). */
export function liveServerEndpoints(dataDir: string): ServerEndpoints | undefined {
  const endpoints = readEndpointsFile(dataDir);
  return endpoints !== undefined && isAlive(endpoints.pid) ? endpoints : undefined;
}
