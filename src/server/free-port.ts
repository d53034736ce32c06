import { createServer } from "node:net";

/**
 * A port the system considers free now. The HTTPS port must be known before
 * the listener starts when port 0 was asked for, because the token issuer's
 * URL (the `iss` of every token) contains it.
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen({ host, port: 0 }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
