/**
 * A whole `keyhold load` run: server CPU before, the load (in this process
 * or in forked workers) under a progress bar, server CPU after, then the
 * text result on stdout and the --json / --html files.
 */
import { writeFile } from "node:fs/promises";
import type { ConnectionOptions } from "./connection.js";
import { checkCryptoConnection, openCryptoConnection } from "./open-connection.js";
import { LoadError } from "./load-error.js";
import { startProgress } from "./progress.js";
import { buildReport, settingsOf, type LoadReport } from "./report.js";
import { reportHtml } from "./report-html.js";
import { reportText } from "./report-text.js";
import { runLoad, type LoadPlan, type LoadTally } from "./run.js";
import { readServerCpuSeconds, serverCpuPerOperation } from "./server-cpu.js";
import { PROGRESS_INTERVAL_MS } from "./worker-messages.js";
import { runInWorkers, type LaunchWorker } from "./workers.js";

export interface LoadJob {
  plan: LoadPlan;
  workers: number;
  connection: ConnectionOptions;
  /** http://host:port/metrics of the server under load. */
  metricsUrl: string;
  jsonFile?: string;
  htmlFile?: string;
  /** Needed when workers > 1. */
  launchWorker?: LaunchWorker;
  /** Ctrl-C: stop issuing, finish what is in flight, report. */
  stop: AbortSignal;
  write: (text: string) => void;
  progress?: boolean;
}

export async function executeLoad(job: LoadJob): Promise<LoadReport> {
  checkCryptoConnection(job.connection);
  const cpuBefore = await readServerCpuSeconds(job.metricsUrl);
  const progress = startProgress(job.plan, job.progress);
  let tally: LoadTally;
  try {
    tally = await runPlan(job, (done) => progress.update(done));
  } finally {
    progress.stop();
  }
  const cpuAfter = await readServerCpuSeconds(job.metricsUrl);
  const failed = Object.values(tally.errors).reduce((total, count) => total + count, 0);
  const report = buildReport(
    settingsOf(job.plan, job.workers, job.connection.endpoint, job.connection.protocol ?? "grpc"),
    tally,
    serverCpuPerOperation(cpuBefore, cpuAfter, tally.ok + failed),
    job.stop.aborted,
  );
  job.write(reportText(report));
  if (job.jsonFile !== undefined) await writeFile(job.jsonFile, JSON.stringify(report, null, 2) + "\n");
  if (job.htmlFile !== undefined) await writeFile(job.htmlFile, reportHtml(report));
  return report;
}

async function runPlan(job: LoadJob, onProgress: (done: number) => void): Promise<LoadTally> {
  if (job.workers > 1) {
    if (job.launchWorker === undefined) throw new LoadError("--workers: no way to start worker processes here");
    return runInWorkers({
      plan: job.plan,
      workers: job.workers,
      connection: job.connection,
      launch: job.launchWorker,
      stop: job.stop,
      onProgress,
    });
  }
  const connection = openCryptoConnection(job.connection);
  let done = 0;
  // Drawing per operation would cost the client more than the calls at 10^4 ops/s.
  const ticker = setInterval(() => onProgress(done), PROGRESS_INTERVAL_MS);
  try {
    return await runLoad(job.plan, { connection, stop: job.stop, onOutcome: () => void done++ });
  } finally {
    clearInterval(ticker);
    connection.close();
  }
}
