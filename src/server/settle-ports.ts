/**
 * Port 0 ("pick a free port") settled before any listener starts: the token issuer's URL (the `iss` of every token)
 * contains the HTTPS port, and several nodes sharing the listening ports must all be told the same ports, also a
 * node restarted after the others.
 */
import { formatListenAddress, type KeyholdConfig } from "../config/index.js";
import { freePort } from "./free-port.js";

/** With `https.listen` on port 0, picks the port now and puts it in the issuer URL that defaulted to it. */
export async function settleHttpsPort(config: KeyholdConfig): Promise<KeyholdConfig> {
  if (config.https.listen.port !== 0) return config;
  const port = await freePort(config.https.listen.host);
  const defaultIssuer = `https://${formatListenAddress(config.https.listen)}`;
  const issuerBaseUrl =
    config.identity.issuerBaseUrl === defaultIssuer
      ? `https://${formatListenAddress({ ...config.https.listen, port })}`
      : config.identity.issuerBaseUrl;
  return { ...config, https: { listen: { ...config.https.listen, port } }, identity: { ...config.identity, issuerBaseUrl } };
}

/** The HTTPS port as above, and the gRPC port too (the metrics listener belongs to whoever calls this). */
export async function settleSharedPorts(config: KeyholdConfig): Promise<KeyholdConfig> {
  const settled = await settleHttpsPort(config);
  if (settled.grpc.listen.port !== 0) return settled;
  const port = await freePort(settled.grpc.listen.host);
  return { ...settled, grpc: { listen: { ...settled.grpc.listen, port } } };
}
