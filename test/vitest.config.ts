import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

const TEST_DIR = new URL(".", import.meta.url).pathname;

/**
 * The slow files (the Wycheproof runner, RSA key generation under load, the bignum differential): `npm test` runs
 * them with the rest, first, so that the two processes finish together; `npm run test:fast` (`--project 'tests*'`)
 * leaves them out for local iteration.
 */
const SLOW = ["test/**/*.slow.test.ts"];
/**
 * Files that need a module registry of their own: they replace a module with `vi.mock`, which takes effect only
 * where the module has not been loaded yet (and would leak into the files after them). Found by reading the files,
 * so a new one cannot be forgotten.
 */
const OWN_MODULES = readdirSync(TEST_DIR, { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".test.ts") && readFileSync(join(TEST_DIR, file), "utf8").includes("vi.mock("))
  .map((file) => `test/${file}`);

// Run from the repository root: `vitest run --config test/vitest.config.ts`. Files run in the order of their
// project's name (slow, tests, tests-own-modules), the longest first within one.
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    // Integration tests start real servers; crypto property tests do RSA work.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two files at a time on the 2-core machines: much of a file's time is waiting (fsync, child processes, TLS
    // handshakes), and vitest's default (cores - 1) would run them one by one.
    maxWorkers: 2,
    // Each of the two processes loads the source modules once for all the files it runs, instead of once per file
    // (about 1.5 s of CPU a file, a quarter of the suite's time on 2 cores). A file still runs its own hooks and
    // tests on its own servers and stores; what files share is module code and the modules' caches.
    isolate: false,
    projects: [
      { extends: true, test: { name: "slow", include: SLOW } },
      {
        extends: true,
        // The project that starts test servers makes their TLS material once (test/global-setup.ts).
        test: { name: "tests", include: ["test/**/*.test.ts"], exclude: [...SLOW, ...OWN_MODULES], globalSetup: ["test/global-setup.ts"] },
      },
      { extends: true, test: { name: "tests-own-modules", include: OWN_MODULES, isolate: true } },
    ],
  },
});
