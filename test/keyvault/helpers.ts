/**
 * The unmodified Azure SDK against an in-process keyhold node: an HTTPS agent that trusts the development CA and
 * resolves `*.managedhsm.keyhold.local` to the loopback address (what an /etc/hosts line does for a user), a
 * credential that hands the SDK a keyhold data-plane token, and retries off so that a refused call fails at once.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { Agent, request } from "node:https";
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import type { TestServer } from "../integration/server.js";

export const DNS_SUFFIX = "managedhsm.keyhold.local";

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Resolves the HSM host names to 127.0.0.1 and everything else as usual. */
function loopbackLookup(hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
  if (!hostname.endsWith(`.${DNS_SUFFIX}`)) {
    dnsLookup(hostname, options as { all: true }, callback as never);
    return;
  }
  if (options.all === true) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
}

export function hsmAgent(server: TestServer): Agent {
  return new Agent({ ca: server.node.tls!.caPem, lookup: loopbackLookup as never, keepAlive: true });
}

export function vaultUrl(server: TestServer, hsm = "hsm-a"): string {
  const port = server.node.addresses.https.split(":").pop();
  return `https://${hsm}.${DNS_SUFFIX}:${port}`;
}

/** A TokenCredential (structurally) that returns the given keyhold token whatever scope the challenge asked for. */
function staticCredential(token: string) {
  return {
    getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}

function clientOptions(agent: Agent) {
  return {
    agent,
    retryOptions: { maxRetries: 0 },
    // The challenge names https://managedhsm.azure.net; the HSM's host here is not under azure.net.
    disableChallengeResourceVerification: true,
  };
}

export function keyClient(server: TestServer, agent: Agent, token: string, hsm = "hsm-a"): KeyClient {
  return new KeyClient(vaultUrl(server, hsm), staticCredential(token), clientOptions(agent));
}

export function cryptoClient(agent: Agent, token: string, keyId: string): CryptographyClient {
  return new CryptographyClient(keyId, staticCredential(token), clientOptions(agent));
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  json(): any;
}

/** One raw HTTPS request to the HSM (host name and agent as the SDK uses them). */
export function rawRequest(
  agent: Agent,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", agent, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
    });
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The SDK's RestError, as the test sees it; anything else thrown (or nothing) fails the test here. */
export function restFailure(error: unknown): { statusCode: number | undefined; code: string | undefined } {
  if (!(error instanceof Error) || error.name !== "RestError") throw new Error(`expected a RestError, got ${String(error)}`);
  const { statusCode, code } = error as Error & { statusCode?: number; code?: string };
  return { statusCode, code };
}
