import { defineConfig } from "vitest/config";

// Run from the repository root: `vitest run --config test/vitest.config.ts`.
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    // Every test file, the slow ones too: `*.slow.test.ts` (the Wycheproof runner, RSA key generation under load,
    // the bignum differential) run here; `npm run test:fast` leaves them out for local iteration.
    include: ["test/**/*.test.ts"],
    // Integration tests start real servers; crypto property tests do RSA work.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two files at a time on the 2-core machines: much of a file's time is waiting (fsync, child processes, TLS
    // handshakes), and vitest's default (cores - 1) would run them one by one.
    maxWorkers: 2,
  },
});
