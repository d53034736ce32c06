/** Where `keyhold serve --dev` keeps its CA and server certificate; a leaf module, so clients find the CA without loading certificate code. */
import { join } from "node:path";

export function devTlsPaths(dataDir: string): { dir: string; ca: string; caKey: string; server: string; serverKey: string } {
  const dir = join(dataDir, "tls");
  return {
    dir,
    ca: join(dir, "ca.pem"),
    caKey: join(dir, "ca-key.pem"),
    server: join(dir, "server.pem"),
    serverKey: join(dir, "server-key.pem"),
  };
}
