import { defineConfig } from "vitest/config";

// Run from the repository root: `vitest run --config test/vitest.config.ts`.
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/**/*.test.ts"],
    // Integration tests start real servers; crypto property tests do RSA work.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
