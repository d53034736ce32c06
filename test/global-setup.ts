/**
 * Once per run, before the test files: the development TLS material (a CA and a server certificate, two RSA key
 * pairs: over a second of CPU) that each in-process test server would otherwise make for itself on its first start.
 * Test servers start with a copy of it in their data dir (test/helpers/dev-tls-copy.ts), which the server reuses as
 * it reuses its own after a restart; making and renewing the material is what test/tls/ tests.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { DEFAULT_DNS_SUFFIX } from "../src/config/defaults.js";
import { ensureDevTls } from "../src/tls/index.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), "keyhold-test-tls-"));
  // The names a test server on 127.0.0.1 asks for (src/server/node.ts): its listen hosts and `*.{dnsSuffix}`.
  ensureDevTls({ dataDir, hosts: ["127.0.0.1", "127.0.0.1", `*.${DEFAULT_DNS_SUFFIX}`] });
  project.provide("devTlsDataDir", dataDir);
  return () => rm(dataDir, { recursive: true, force: true });
}
