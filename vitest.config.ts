import { defineConfig } from 'vitest/config';
import LongFilesFirst from './test/sequencer.ts';

/**
 * One group, in parallel: each file has its own organisations, free ports, Redis prefix or
 * private engines, and what a process test grants is per database. The browser tests run in it
 * too (a Chromium each, started first with the other long files: test/sequencer.ts).
 */
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
    sequence: { sequencer: LongFilesFirst },
    include: ['test/**/*.test.ts', 'connectors/**/*.test.ts'],
  },
});
