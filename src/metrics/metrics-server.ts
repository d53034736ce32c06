/**
 * The plain-HTTP metrics listener (SPEC section 2: the one listener without
 * TLS, since Prometheus scrapers on the host expect it). It serves
 * `GET /metrics` and the extra pages it is given (the primary of several
 * nodes adds `/metrics/nodes`), nothing else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What a page renders: a prom-client Registry is one; the primary of several nodes renders gathered nodes' metrics. */
interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsServer {
  /** The bound address, with the chosen port when 0 was asked for. */
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  /** `GET /metrics`. */
  registry: MetricsSource;
  /** More pages by path, e.g. `{ "/metrics/nodes": ... }`. */
  extraPages?: Readonly<Record<string, MetricsSource>>;
}

export async function startMetricsServer({ host, port, registry, extraPages = {} }: MetricsServerOptions): Promise<MetricsServer> {
  const pages = new Map<string, MetricsSource>([["/metrics", registry], ...Object.entries(extraPages)]);
  const server = createServer((request, response) => {
    void answer(pages, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host, port: bound.port },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

async function answer(pages: ReadonlyMap<string, MetricsSource>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const registry = pages.get((request.url ?? "").split("?")[0] ?? "");
  if (registry === undefined) {
    return reply(response, 404, "text/plain; charset=utf-8", `not found: this listener serves GET ${[...pages.keys()].join(", ")}\n`);
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    return reply(response, 405, "text/plain; charset=utf-8", "method not allowed\n");
  }
  try {
    const body = await registry.metrics();
    reply(response, 200, registry.contentType, request.method === "HEAD" ? "" : body);
  } catch {
    // A failing collect callback must not take the listener down or leak internals.
    reply(response, 500, "text/plain; charset=utf-8", "metrics could not be collected\n");
  }
}

function reply(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { "content-type": contentType });
  response.end(body);
}
