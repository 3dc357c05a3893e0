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
    // Files are I/O bound (PostgreSQL, Redis, timers): more workers than cores pays. Each worker
    // has its own database and Redis prefix (test/context.ts).
    maxWorkers: 4,
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
