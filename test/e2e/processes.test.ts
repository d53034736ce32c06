/**
 * `keyhold serve --processes 2 --dev` on SQLite (SPEC section 14), the built CLI as a user runs it: calls on many
 * connections reach both nodes (each journals to its own file), the primary's metrics port serves the nodes' sum and
 * each node's own, a node killed with SIGKILL is replaced by the primary while the other keeps serving, and SIGTERM to
 * the primary drains both nodes and exits 0, leaving journals that verify. Needs `npm run build`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { verifyJournal } from "../../src/audit/index.js";
import { sampleValue } from "../../src/load/server-cpu.js";
import { killHard, startDevServer, type DevServer } from "../helpers/dev-server.js";
import { connect, journalEvents, journalFiles, type Outcome } from "../integration/write-clients.js";

let server: DevServer | undefined;
afterEach(async () => {
  if (server !== undefined) await killHard(server);
  server = undefined;
});

const READY_LINE = /^node (\S+) ready pid=(\d+)$/gm;

/** The pid of each node, from the `node <id> ready pid=<pid>` lines (the latest line of a node wins). */
function readyNodes(stdout: string): Map<string, number> {
  return new Map([...stdout.matchAll(READY_LINE)].map((match) => [match[1]!, Number(match[2])]));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One ES256 signature on each of `count` new TCP connections, all at once. */
async function signOnNewConnections(dataDir: string, started: DevServer, count: number): Promise<Outcome[]> {
  const connections = await Promise.all(Array.from({ length: count }, () => connect(dataDir, started, { ownConnection: true })));
  try {
    return await Promise.all(
      connections.map((connection) =>
        connection.grpc("crypto", "sign", { name: "spread", algorithm: "ES256", digest: randomBytes(32) }, randomUUID()),
      ),
    );
  } finally {
    for (const connection of connections) connection.close();
  }
}

/** KeySign records per node, from the HSM's journal files (`<node id>.jsonl`). */
async function signsPerNode(dataDir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const path of (await journalFiles(dataDir)).filter((file) => file.includes(join("audit", "dev")))) {
    const events = await journalEvents(path);
    counts.set(basename(path, ".jsonl"), events.filter((event) => event.operationName === "KeySign").length);
  }
  return counts;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.text();
}

describe("serve --processes 2 (built CLI; `npm run build` must have run)", () => {
  it("spreads connections over both nodes, heals a killed node, and drains both on SIGTERM", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-processes-"));
    server = await startDevServer({ dataDir, serveArgs: ["--processes", "2"], until: (out) => readyNodes(out).size === 2 });
    const started = server;
    let stdout = started.banner;
    started.proc.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const nodes = readyNodes(started.banner);
    const [firstId, secondId] = [...nodes.keys()];
    expect(nodes.size).toBe(2);

    const admin = await connect(dataDir, started);
    expect(await admin.grpc("keys", "createKey", { name: "spread", kty: "EC", crv: "P-256" }, randomUUID())).toMatchObject({ kind: "ok" });
    admin.close();
    const spread = await signOnNewConnections(dataDir, started, 16);
    expect(spread.filter((outcome) => outcome.kind !== "ok")).toEqual([]);
    const before = await signsPerNode(dataDir);
    expect(before.get(firstId!)).toBeGreaterThan(0);
    expect(before.get(secondId!)).toBeGreaterThan(0);
    expect((before.get(firstId!) ?? 0) + (before.get(secondId!) ?? 0)).toBe(16);

    const endpoints = JSON.parse(await readFile(join(dataDir, "endpoints.json"), "utf8")) as { metrics: string; pid: number };
    expect(endpoints.pid).toBe(started.proc.pid);
    const perNode = await scrape(`http://${endpoints.metrics}/metrics/nodes`);
    const summed = await scrape(`http://${endpoints.metrics}/metrics`);
    const signCalls = (text: string, labels: string): number =>
      Number(
        new RegExp(`^keyhold_rpc_calls_total\\{method="/keyhold.v1.CryptoService/Sign",code="OK"${labels}\\} (\\S+)$`, "m").exec(text)?.[1],
      );
    expect(signCalls(perNode, `,node="${firstId}"`) + signCalls(perNode, `,node="${secondId}"`)).toBe(16);
    expect(signCalls(summed, "")).toBe(16);
    // The sum holds every node's CPU (and the primary's): what `keyhold load` reads as the server's.
    const nodeCpu = [...perNode.matchAll(/^process_cpu_seconds_total\{node="[^"]+"\} (\S+)$/gm)].map((match) => Number(match[1]));
    expect(nodeCpu).toHaveLength(3);
    expect(sampleValue(summed, "process_cpu_seconds_total")).toBeGreaterThanOrEqual(Math.max(...nodeCpu));

    // SIGKILL one node: the other serves every new connection meanwhile; the primary starts a new one in its place.
    const killedPid = nodes.get(secondId!)!;
    process.kill(killedPid, "SIGKILL");
    await expect.poll(() => isAlive(killedPid), { timeout: 10_000 }).toBe(false);
    const whileDown = await signOnNewConnections(dataDir, started, 8);
    expect(whileDown.filter((outcome) => outcome.kind !== "ok")).toEqual([]);
    await expect.poll(() => readyNodes(stdout).get(secondId!), { timeout: 90_000, interval: 200 }).not.toBe(killedPid);
    const restartedPid = readyNodes(stdout).get(secondId!)!;
    expect(isAlive(restartedPid)).toBe(true);
    const afterRestart = await signOnNewConnections(dataDir, started, 16);
    expect(afterRestart.filter((outcome) => outcome.kind !== "ok")).toEqual([]);
    const after = await signsPerNode(dataDir);
    expect(after.get(secondId!)).toBeGreaterThan(before.get(secondId!)!);
    expect((after.get(firstId!) ?? 0) + (after.get(secondId!) ?? 0)).toBe(16 + 8 + 16);

    // SIGTERM to the primary: both nodes drain, the primary exits 0 and removes endpoints.json.
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      started.proc.once("exit", (code, signal) => resolve({ code, signal })),
    );
    started.proc.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    server = undefined;
    expect(isAlive(nodes.get(firstId!)!)).toBe(false);
    expect(isAlive(restartedPid)).toBe(false);
    expect(existsSync(join(dataDir, "endpoints.json"))).toBe(false);
    const files = await journalFiles(dataDir);
    expect(files.map((file) => basename(file))).toEqual(expect.arrayContaining([`${firstId}.jsonl`, `${secondId}.jsonl`]));
    for (const file of files) expect(await verifyJournal(file), file).toMatchObject({ ok: true });
  });
});
