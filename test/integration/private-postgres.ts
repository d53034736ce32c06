/**
 * A PostgreSQL server of the test's own, which it may stop and start again: the machine's shared server serves
 * other tests at the same time and must never be stopped. initdb and pg_ctl of the installed PostgreSQL 15 (as
 * .ci/run has it), run as the user `postgres` when the tests run as root, since PostgreSQL refuses to run as root.
 */
import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../src/server/free-port.js";

const run = promisify(execFile);
const BIN = process.env["KEYHOLD_TEST_POSTGRES_BIN"] ?? "/usr/lib/postgresql/15/bin";

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  /** Stops the server at once, as a crash would (`pg_ctl stop -m immediate`): connections drop, nothing is answered. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = await mkdtemp(join(tmpdir(), "keyhold-pg-"));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(root, Number(stdout.trim()), Number(gid.trim()));
  }
  const as = (command: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", command, ...args]) : run(command, args);
  const dataDir = join(root, "data");
  await as(join(BIN, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync"]);
  const port = await freePort("127.0.0.1");
  // The socket directory is the test's own; fsync off: the test crashes the server, never the machine.
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async (): Promise<void> => {
    await as(join(BIN, "pg_ctl"), ["-D", dataDir, "-o", options, "-l", join(root, "log"), "-w", "-t", "60", "start"]);
  };
  const stop = async (): Promise<void> => {
    await as(join(BIN, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async destroy() {
      await stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}
