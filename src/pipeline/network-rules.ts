/**
 * Network rules of an HSM (SPEC section 7), enforced on every data-plane call
 * before authentication. Built on node:net BlockList, which parses and matches
 * IPv4 and IPv6 subnets (including IPv4-mapped IPv6 addresses).
 */
import { BlockList, isIP } from "node:net";
import { badParameter, echo, KeyholdError } from "../errors.js";
import type { HsmRuntime, NetworkAcls } from "./hsm-registry.js";

const lists = new WeakMap<NetworkAcls, BlockList>();

interface IpSubnet {
  readonly address: string;
  readonly prefix: number;
  readonly type: "ipv4" | "ipv6";
}

/** The subnet one rule names (an address alone is a /32 or /128), or undefined when it is not an IPv4 or IPv6 address or CIDR range. */
export function parseIpRule(rule: string): IpSubnet | undefined {
  const [address = "", prefixText, ...rest] = rule.trim().split("/");
  const family = isIP(address);
  const maxPrefix = family === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (
    family === 0 ||
    rest.length > 0 ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > maxPrefix ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText))
  ) {
    return undefined;
  }
  return { address, prefix, type: family === 6 ? "ipv6" : "ipv4" };
}

/** Parses `ipRules` into a BlockList; a bad rule is BadParameter naming its index. */
export function compileIpRules(rules: readonly string[], field = "networkAcls.ipRules"): BlockList {
  const list = new BlockList();
  rules.forEach((rule, index) => {
    const subnet = parseIpRule(rule);
    if (subnet === undefined) throw badParameter(`${field}[${index}]`, `'${echo(rule)}' is not an IPv4 or IPv6 address or CIDR range`);
    list.addSubnet(subnet.address, subnet.prefix, subnet.type);
  });
  return list;
}

function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}

/** An IPv4 client on a dual-stack socket appears as ::ffff:a.b.c.d, which BlockList matches against IPv4 rules too. */
function matches(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? "ipv6" : "ipv4");
}

/** Throws ForbiddenByFirewall unless the HSM's rules admit `callerIp`. An unparsable address is refused. */
export function enforceNetworkRules(hsm: HsmRuntime, callerIp: string): void {
  const refuse = (): KeyholdError =>
    new KeyholdError(
      "ForbiddenByFirewall",
      `Client address ${callerIp || "(unknown)"} is not allowed by the network rules of HSM '${hsm.name}'.`,
    );
  if (hsm.publicNetworkAccess === "Disabled") {
    if (!isLoopback(callerIp)) throw refuse();
    return;
  }
  if (hsm.networkAcls.defaultAction === "Allow") return;
  let list = lists.get(hsm.networkAcls);
  if (list === undefined) {
    list = compileIpRules(hsm.networkAcls.ipRules);
    lists.set(hsm.networkAcls, list);
  }
  if (!matches(list, callerIp)) throw refuse();
}
