/** `HOST:PORT` listen options (SPEC section 2): IPv4, `[IPv6]` or a DNS name, and a port from 0 (any free port) to 65535. */
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { badParameter } from "../errors.js";

export interface ListenAddress {
  /** Without brackets: "127.0.0.1", "::1", "localhost". */
  readonly host: string;
  /** 0 asks the system for a free port. */
  readonly port: number;
}

export const LISTEN_ADDRESS_PROBLEM = "must be HOST:PORT with a port from 0 to 65535 (IPv6 in brackets, e.g. [::1]:7443)";

/** A DNS name: labels of letters, digits and inner hyphens (RFC 1123), 253 characters at most. */
export const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const HOST_PORT = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;

/** The address, or undefined when `text` is not a valid listen option. */
export function tryParseListenAddress(text: string): ListenAddress | undefined {
  const match = HOST_PORT.exec(text);
  if (match === null) return undefined;
  const [, bracketed, plain, portText] = match;
  const port = Number(portText);
  if (port > 65535) return undefined;
  if (bracketed !== undefined) return isIPv6(bracketed) ? { host: bracketed, port } : undefined;
  if (plain === undefined || !(isIPv4(plain) || HOSTNAME.test(plain))) return undefined;
  return { host: plain, port };
}

/** Parses a listen option given as a flag or variable, naming `field` when it is wrong. */
export function parseListenAddress(field: string, text: string): ListenAddress {
  const address = tryParseListenAddress(text);
  if (address === undefined) throw badParameter(field, LISTEN_ADDRESS_PROBLEM);
  return address;
}

export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** True for `localhost`, 127.0.0.0/8 and ::1 (RFC 1122 section 3.2.1.3, RFC 4291 section 2.5.3). */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  if (isIPv4(host)) return LOOPBACK.check(host, "ipv4");
  if (isIPv6(host)) return LOOPBACK.check(host, "ipv6");
  return false;
}
