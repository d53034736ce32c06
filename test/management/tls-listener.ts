/** The management routes of a test core on a real TLS listener at 127.0.0.1, with its CA in `<dataDir>/tls/ca.pem`. */
import Fastify, { type FastifyInstance } from "fastify";
import { MANAGEMENT_ROUTES } from "../../src/management/index.js";
import { ensureDevTls } from "../../src/tls/index.js";
import { operationRoutes } from "../../src/transport/http/operation-routes.js";
import type { ManagementCore } from "./helpers.js";

export async function listenWithTls(core: ManagementCore): Promise<{ server: FastifyInstance; endpoint: string }> {
  // The development CA the server makes for itself: the clients find it where they look by default.
  const tls = ensureDevTls({ dataDir: core.dataDir });
  const server = Fastify({ https: { key: tls.keyPem, cert: tls.certPem } });
  await server.register(operationRoutes, {
    pipeline: core.pipeline,
    operations: core.table,
    routes: MANAGEMENT_ROUTES,
    challenge: () => ({ authority: "https://keyhold.test", resource: "https://management.azure.com" }),
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  return { server, endpoint: `127.0.0.1:${(server.server.address() as { port: number }).port}` };
}
