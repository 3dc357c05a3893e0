import { defineConfig } from 'vitest/config';

/**
 * The browser tests run alone, after the parallel group: a whole Chromium each. The process
 * tests (npm start, the README, SIGTERM, SIGKILLed workers) run in the parallel group: each has
 * its own free ports, database or Redis prefix, and what they grant is per database.
 */
const serial = ['test/e2e/**/*.test.ts'];

export default defineConfig({
  resolve: {
    // Tests call graphql-js directly; make sure there is exactly one copy of it.
    alias: [{ find: /^graphql$/, replacement: import.meta.resolve('graphql').replace('file://', '') }],
  },
  test: {
    exclude: ['**/node_modules/**', 'console/**'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each worker has its own database and Redis prefix (test/context.ts). The machine is
    // CPU-bound (2 cores, about 260 busy CPU-seconds a run): three workers finished the suite
    // faster than four (143 s against 152-160 s) and than two (152 s), and spent less CPU.
    maxWorkers: 3,
    // A larger young generation: fewer scavenges in workers that allocate a lot (GraphQL, ORM);
    // 136 s against 143 s in a pair of runs.
    execArgv: ['--max-semi-space-size=32'],
    // Modules load once per worker, not once per file (import was 36 % of the serial run).
    isolate: false,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'parallel', include: ['test/**/*.test.ts', 'connectors/**/*.test.ts'], exclude: ['**/node_modules/**', 'console/**', ...serial] },
      },
      {
        extends: true,
        test: { name: 'serial', include: serial, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
