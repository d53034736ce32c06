/**
 * `--endpoint` as a gRPC client dials it: one `HOST:PORT`, a comma-separated list of nodes' addresses, or
 * `dns:NAME:PORT` (every address the name resolves to). A list or a `dns:` name becomes ONE grpc-js channel that
 * spreads calls round-robin over all the addresses (SPEC section 14): when a node dies, its connection fails, the
 * balancer stops picking it, and only the calls that were in flight on that node fail.
 */
import { isIPv4, isIPv6 } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import type { ChannelOptions } from "@grpc/grpc-js";
import { formatListenAddress, parseListenAddress, type ListenAddress } from "./listen-address.js";
import { badParameter } from "../errors.js";

export interface ServerTarget {
  /** What grpc-js dials: "host:port", "ipv4:a:p,b:p", "ipv6:[a]:p,[b]:p" or "dns:name:port". */
  readonly target: string;
  /** The hosts as given, without brackets: a server's certificate must name one of them. */
  readonly hosts: readonly string[];
  /** Calls are spread round-robin over several addresses. */
  readonly balanced: boolean;
}

/** More nodes than any deployment has; keeps a pasted file from becoming a target. */
const MAX_ENDPOINTS = 64;
const DNS_SCHEME = /^dns:(?:\/\/\/)?/i;
const LIST_RULE = "a list takes IP addresses of one family (all IPv4 or all IPv6); for a host name use dns:NAME:PORT";

/** `--endpoint` as a client dials it: a listen address, but port 0 names no server. */
export function serverEndpoint(text: string, field = "--endpoint"): ListenAddress {
  const endpoint = parseListenAddress(field, text);
  if (endpoint.port === 0) throw badParameter(field, "needs the server's port, from 1 to 65535");
  return endpoint;
}

/** Parses `--endpoint`; every problem is a BadParameter naming `--endpoint` (and the entry of a list). */
export function parseServerTarget(text: string): ServerTarget {
  const trimmed = text.trim();
  const dns = DNS_SCHEME.exec(trimmed);
  if (dns !== null) {
    const address = serverEndpoint(trimmed.slice(dns[0].length));
    return { target: `dns:${formatListenAddress(address)}`, hosts: [address.host], balanced: true };
  }
  const entries = trimmed.split(",").map((entry) => entry.trim());
  if (entries.length === 1) {
    const address = serverEndpoint(trimmed);
    return { target: formatListenAddress(address), hosts: [address.host], balanced: false };
  }
  if (entries.length > MAX_ENDPOINTS) throw badParameter("--endpoint", `lists ${entries.length} addresses; at most ${MAX_ENDPOINTS}`);
  const addresses = entries.map((entry, index) => {
    if (entry === "") throw badParameter("--endpoint", `entry ${index + 1} of the list is empty`);
    try {
      return serverEndpoint(entry);
    } catch {
      throw badParameter("--endpoint", `entry ${index + 1} (${entry}) must be IP:PORT with a port from 1 to 65535 (IPv6 in brackets)`);
    }
  });
  const formatted = addresses.map(formatListenAddress);
  const repeated = formatted.find((address, index) => formatted.indexOf(address) !== index);
  if (repeated !== undefined) throw badParameter("--endpoint", `lists ${repeated} twice`);
  const family = addresses.every((a) => isIPv4(a.host)) ? "ipv4" : addresses.every((a) => isIPv6(a.host)) ? "ipv6" : undefined;
  if (family === undefined) throw badParameter("--endpoint", LIST_RULE);
  return { target: `${family}:${formatted.join(",")}`, hosts: addresses.map((a) => a.host), balanced: true };
}

/**
 * The certificate check for a channel to `hosts`. One host: the certificate must name it, the address actually
 * dialled, whatever name SNI carries. Several: grpc-js does not tell the check which address a connection went to,
 * so the certificate must name one of the listed hosts. Each of them is trusted with the same HSMs and tokens, so a
 * node answering with another listed node's valid certificate gains nothing the client did not give it anyway.
 */
export function serverIdentityCheck(hosts: readonly string[]): (servername: string, cert: PeerCertificate) => Error | undefined {
  return (_servername, cert) => {
    let firstFailure: Error | undefined;
    for (const host of hosts) {
      const failure = checkServerIdentity(host, cert);
      if (failure === undefined) return undefined;
      firstFailure ??= failure;
    }
    return firstFailure;
  };
}

/**
 * Channel options for `target`. Round-robin for a list or a `dns:` name (and no service config from DNS TXT
 * records: the client, not the name's owner, chooses). Over TLS to an IP address, the server name becomes
 * "localhost": grpc-js would send the IP as SNI, which RFC 6066 section 3 forbids and Node reports with a DEP0123
 * warning on every run; serverIdentityCheck still verifies the certificate against the listed hosts.
 */
export function targetChannelOptions(target: ServerTarget, tls: boolean): ChannelOptions {
  const options: ChannelOptions = {};
  if (target.balanced) {
    options["grpc.service_config"] = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });
    options["grpc.service_config_disable_resolution"] = 1;
  }
  const [first] = target.hosts;
  if (tls && first !== undefined && (isIPv4(first) || isIPv6(first))) options["grpc.ssl_target_name_override"] = "localhost";
  return options;
}
