/** The management routes of a test core on a real TLS listener at 127.0.0.1, with its CA in `<dataDir>/tls/ca.pem`. */
import { createRequire } from "node:module";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { MANAGEMENT_ROUTES } from "../../src/management/index.js";
import { operationRoutes } from "../../src/transport/http/operation-routes.js";
import { fixtureKey } from "../identity/helpers.js";
import type { ManagementCore } from "./helpers.js";

const forge = createRequire(import.meta.url)("node-forge") as typeof import("node-forge");

/** A self-signed certificate for 127.0.0.1 over a fixture key (no key generation in tests). */
function loopbackCertificate(): { certPem: string; keyPem: string } {
  const key = fixtureKey("rsa-2048-1");
  const keyPem = key.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(key.publicKey.export({ format: "pem", type: "spki" }).toString());
  certificate.serialNumber = "02";
  certificate.validity.notBefore = new Date(Date.now() - 3600_000);
  certificate.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const subject = [{ name: "commonName", value: "keyhold test" }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }]);
  certificate.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(certificate), keyPem };
}

export async function listenWithTls(core: ManagementCore): Promise<{ server: FastifyInstance; endpoint: string }> {
  const tls = loopbackCertificate();
  await mkdir(join(core.dataDir, "tls"), { recursive: true });
  await writeFile(join(core.dataDir, "tls", "ca.pem"), tls.certPem);
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
