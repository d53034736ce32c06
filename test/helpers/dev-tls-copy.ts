/** Gives a test server's data dir the development TLS material test/global-setup.ts made once for the run. */
import { cpSync } from "node:fs";
import { inject } from "vitest";
import { devTlsPaths } from "../../src/tls/dev-tls-paths.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A data dir holding only `tls/`: the development CA and server certificate for a node on 127.0.0.1. */
    devTlsDataDir: string;
  }
}

/**
 * Copies the run's CA and server certificate into `<dataDir>/tls/` unless that data dir has its own (a restart):
 * the server finds them valid, for its names, and uses them instead of making new ones.
 */
export function copyDevTls(dataDir: string): void {
  cpSync(devTlsPaths(inject("devTlsDataDir")).dir, devTlsPaths(dataDir).dir, { recursive: true, force: false, errorOnExist: false });
}
