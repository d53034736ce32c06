/**
 * `keyhold bench`: measures each crypto provider on this machine and caches
 * the fastest per family in the data dir, where `providers: auto` finds it;
 * `--all` also runs every microbenchmark group (as `npm run bench`).
 */
import type { Command } from "commander";
import { generateKey } from "../crypto/index.js";
import { measureProviders, saveMeasuredProviders } from "../workers/provider-choice.js";

export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description("measure the crypto providers on this machine and cache the fastest for `providers: auto`")
    .option("--time <ms>", "milliseconds per measured task", "1000")
    .option("--all", "also run every microbenchmark group (tinybench), as npm run bench")
    .option("--output <format>", "text or json", "text")
    .action(async (options: { time: string; all?: boolean; output: string }) => {
      const timeMs = Number(options.time);
      if (!Number.isInteger(timeMs) || timeMs < 50) throw new Error("--time: must be a whole number of milliseconds, at least 50");
      const measured = await measureProviders(
        { rsa: await generateKey("RSA", { size: 2048 }), ec: await generateKey("EC", { crv: "P-256" }) },
        timeMs,
      );
      const file = await saveMeasuredProviders(program.opts<{ dataDir: string }>().dataDir, measured);
      if (options.output === "json") {
        process.stdout.write(JSON.stringify({ ...measured, file }, null, 2) + "\n");
      } else {
        for (const [family, rates] of Object.entries(measured.opsPerSecond)) {
          const figures = Object.entries(rates)
            .map(([provider, rate]) => `${provider} ${Math.round(rate)} ops/s`)
            .join(", ");
          process.stdout.write(`${family}: ${figures} -> ${measured.providers[family as "rsa" | "ec"]}\n`);
        }
        process.stdout.write(`saved to ${file}\n`);
      }
      if (options.all === true) {
        const { runBenchGroups } = await import("../../bench/groups.js");
        await runBenchGroups([]);
      }
    });
}
