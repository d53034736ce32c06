/**
 * A node whose store is PostgreSQL (`store.postgres`): keys, role assignments and their audit records go through the
 * database, and a restarted node finds them there. A real server (test/store/store-kinds.ts), a database of its own.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import type { KeyBundle } from "../../src/gen/keyhold/v1/keys_pb.js";
import { createTestDatabase, databaseUrl, dropTestDatabase } from "../store/store-kinds.js";
import { startTestServer, type TestServer } from "./server.js";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("a node on PostgreSQL", () => {
  it("keeps keys and role assignments in the database, and a restarted node serves them", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => dropTestDatabase(database));
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-pg-node-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const url = databaseUrl(database);

    let server: TestServer = await startTestServer({ dataDir, postgresUrl: url, threads: 1 });
    const digest = new Uint8Array(createHash("sha256").update("x").digest());
    const user = await server.user("officer");
    try {
      const adminToken = await server.token(server.admin);
      await server.call(
        server.access,
        AccessControlService,
        "createRoleAssignment",
        { scope: "/", roleDefinitionId: MANAGED_HSM_CRYPTO_USER.id, principalId: user.id },
        server.metadata(adminToken),
      );
      const token = await server.token(user);
      const created = (await server.call(
        server.keys,
        KeyService,
        "createKey",
        { name: "pg-key", kty: "EC-HSM", crv: "P-256" } as never,
        server.metadata(token),
      )) as unknown as { key: KeyBundle };
      expect(created.key.key?.kid).toContain("/keys/pg-key/");
      const signed = (await server.call(
        server.crypto,
        CryptoService,
        "sign",
        { name: "pg-key", algorithm: "ES256", digest } as never,
        server.metadata(token),
      )) as unknown as { signature: Uint8Array };
      expect(signed.signature).toHaveLength(64);
    } finally {
      await server.stop();
    }

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query("SELECT name FROM keys")).rows).toEqual([{ name: "pg-key" }]);
      expect(Number((await client.query("SELECT COUNT(*) AS n FROM role_assignments")).rows[0].n)).toBeGreaterThan(0);
    } finally {
      await client.end();
    }

    server = await startTestServer({ dataDir, postgresUrl: url, threads: 1 });
    try {
      // The officer, its assignment, the key and its sealed private half all come back from the database.
      const token = await server.token(user);
      const found = (await server.call(
        server.keys,
        KeyService,
        "getKey",
        { name: "PG-KEY" } as never,
        server.metadata(token),
      )) as unknown as { key: KeyBundle };
      expect(found.key.key?.kid).toContain("/keys/pg-key/");
      const signed = (await server.call(
        server.crypto,
        CryptoService,
        "sign",
        { name: "pg-key", algorithm: "ES256", digest } as never,
        server.metadata(token),
      )) as unknown as { signature: Uint8Array };
      expect(signed.signature).toHaveLength(64);
    } finally {
      await server.stop();
    }
  });
});
