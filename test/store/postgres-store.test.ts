/**
 * What only the PostgreSQL store has: several nodes (pools) on one database, migrations raced by nodes starting
 * together, and a server that goes away. Against a real server (test/store/store-kinds.ts).
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { MIGRATIONS, openPostgresStore, PG_MIGRATIONS, type Store } from "../../src/store/index.js";
import { createTestDatabase, databaseUrl, dropTestDatabase, POSTGRES_URL, STORE_KINDS } from "./store-kinds.js";
import pg from "pg";
import { managedHsmRecord } from "../helpers/managed-hsm-record.js";

const databases: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  for (const name of databases.splice(0)) await dropTestDatabase(name);
});

async function database(): Promise<string> {
  const name = await createTestDatabase();
  databases.push(name);
  return name;
}

async function open(url: string, poolSize = 3): Promise<Store> {
  const store = await openPostgresStore({ url, poolSize, connectionTimeoutMillis: 2_000 });
  stores.push(store);
  return store;
}

const assignment = (name: string) => ({ id: `/a/${name}`, name, scope: "/", roleDefinitionId: "r", principalId: "p" });

/** A TCP relay in front of the real server, which a test can cut (the server "stops") and restore on the same port. */
class Relay {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    const target = new URL(POSTGRES_URL);
    this.#server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
  }
}

describe("postgres store: schema", () => {
  it("has the SQLite store's migrations, version for version, and the same tables and columns", async () => {
    expect(PG_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    const columns = async (kind: (typeof STORE_KINDS)[number]): Promise<Record<string, string[]>> => {
      const place = await kind.place();
      await (await place.open()).close();
      const rows =
        kind.name === "sqlite"
          ? await place.query(
              "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            )
          : await place.query("SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public'");
      const tables: Record<string, string[]> = {};
      for (const row of rows) (tables[String(row.t)] ??= []).push(String(row.c));
      for (const list of Object.values(tables)) list.sort();
      return tables;
    };
    try {
      expect(await columns(STORE_KINDS[1]!)).toEqual(await columns(STORE_KINDS[0]!));
    } finally {
      for (const kind of STORE_KINDS) await kind.dropAll();
    }
  });
});

describe("postgres store: several nodes on one database", () => {
  it("two stores (two pools) see each other's commits through generation() and reads", async () => {
    const url = databaseUrl(await database());
    const [a, b] = [await open(url), await open(url)];
    const before = await b.generation();
    await a.transaction(async (tx) => {
      await tx.rbac.insertRoleAssignment("h", assignment("one"));
      await tx.rbac.insertRoleAssignment("h", assignment("two"));
    });
    const afterA = await b.generation();
    expect(afterA).toBeGreaterThan(before);
    expect((await b.rbac.listRoleAssignments("h")).map((x) => x.name)).toEqual(["one", "two"]);
    expect(await b.rbac.deleteRoleAssignment("h", "one")).toBe(true);
    expect(await a.generation()).toBeGreaterThan(afterA);
    expect(await a.rbac.getRoleAssignment("h", "one")).toBeUndefined();
  });

  it("announces a commit that moves the generation to the other stores' hint listeners (LISTEN/NOTIFY)", async () => {
    const url = databaseUrl(await database());
    const [a, b] = [await open(url), await open(url)];
    let hints = 0;
    let announced: () => void = () => undefined;
    b.onGenerationHint(() => {
      hints++;
      announced();
    });
    const nextHint = (): Promise<void> => new Promise((resolve) => (announced = resolve));
    // The listening connection announces itself once it is up (changes made before it may have been missed).
    await vi.waitFor(() => expect(hints).toBeGreaterThan(0), { timeout: 10_000 });
    hints = 0;

    for (const name of ["one", "two"]) {
      const hinted = nextHint();
      await a.rbac.insertRoleAssignment("h", assignment(name));
      await hinted;
    }
    const hinted = nextHint();
    await a.transaction(async (tx) => {
      await tx.rbac.deleteRoleAssignment("h", "one");
      await tx.rbac.deleteRoleAssignment("h", "two");
    });
    await hinted;
    expect(hints).toBeGreaterThanOrEqual(3);
  });

  it("runs the migrations once when several stores open the same empty database at the same time", async () => {
    const name = await database();
    const url = databaseUrl(name);
    const opened = await Promise.all([open(url), open(url), open(url), open(url)]);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const rows = (await admin.query("SELECT version, COUNT(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version")).rows;
      expect(rows).toEqual(PG_MIGRATIONS.map((m) => ({ version: String(m.version), n: 1 })));
      expect((await admin.query("SELECT COUNT(*)::int AS n FROM change_generation")).rows).toEqual([{ n: 1 }]);
    } finally {
      await admin.end();
    }
    await opened[0]!.rbac.insertRoleAssignment("h", assignment("x"));
    for (const store of opened) expect((await store.rbac.getRoleAssignment("h", "x"))?.name).toBe("x");
  });
});

describe("postgres store: writers on several nodes take turns where a read decides the write", () => {
  it("patches of one HSM made through two stores at once all survive", async () => {
    const url = databaseUrl(await database());
    const [a, b] = [await open(url, 6), await open(url, 6)];
    await a.management.insertManagedHsm(
      managedHsmRecord("one", { hsmId: "h", provisioningState: "Provisioning", activation: "NotActivated" }),
    );
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        a.management.updateManagedHsm("h", { tags: { round: String(round) } }),
        b.management.updateManagedHsm("h", { activation: round % 2 === 0 ? "Activated" : "NotActivated" }),
        a.management.updateManagedHsm("h", { provisioningState: round % 2 === 0 ? "Succeeded" : "Provisioning" }),
      ]);
      expect(await b.management.getManagedHsm("h")).toMatchObject({
        tags: { round: String(round) },
        activation: round % 2 === 0 ? "Activated" : "NotActivated",
        provisioningState: round % 2 === 0 ? "Succeeded" : "Provisioning",
      });
    }
  });
});

describe("postgres store: a server out of reach", () => {
  it("fails to open with Unavailable when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(openPostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/keyhold`, poolSize: 1 })).rejects.toMatchObject({
      name: "KeyholdError",
      code: "Unavailable",
    });
  });

  it("fails calls with Unavailable (never InternalError) while the server is gone, and serves again when it returns", async () => {
    const name = await database();
    const relay = new Relay();
    await relay.start();
    const url = new URL(databaseUrl(name));
    url.port = String(relay.port);
    const store = await open(url.toString());
    await store.rbac.insertRoleAssignment("h", assignment("before"));

    await relay.cut();
    await expect(store.rbac.getRoleAssignment("h", "before")).rejects.toMatchObject({ code: "Unavailable" });
    await expect(store.rbac.insertRoleAssignment("h", assignment("during"))).rejects.toMatchObject({ code: "Unavailable" });
    await expect(store.transaction((tx) => tx.rbac.insertRoleAssignment("h", assignment("during")))).rejects.toMatchObject({
      code: "Unavailable",
    });
    await expect(store.generation()).rejects.toMatchObject({ code: "Unavailable" });

    await relay.start();
    await store.rbac.insertRoleAssignment("h", assignment("after"));
    expect((await store.rbac.listRoleAssignments("h")).map((x) => x.name)).toEqual(["after", "before"]);
    await relay.cut();
  });

  it("a transaction whose connection an administrator ends (57P01) fails with Unavailable and leaves nothing", async () => {
    const url = databaseUrl(await database());
    const store = await open(url);
    await expect(
      store.transaction(async (tx) => {
        await tx.rbac.insertRoleAssignment("h", assignment("lost"));
        const admin = new pg.Client({ connectionString: POSTGRES_URL });
        await admin.connect();
        try {
          await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND state = 'idle in transaction'", [
            new URL(url).pathname.slice(1),
          ]);
        } finally {
          await admin.end();
        }
        await tx.rbac.insertRoleAssignment("h", assignment("after-end"));
      }),
    ).rejects.toMatchObject({ code: "Unavailable" });
    expect(await store.rbac.listRoleAssignments("h")).toEqual([]);
  });
});
