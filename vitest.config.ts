import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests call graphql-js directly; make sure there is exactly one copy of it.
    alias: [{ find: /^graphql$/, replacement: import.meta.resolve('graphql').replace('file://', '') }],
  },
  test: {
    include: ['test/**/*.test.ts', 'connectors/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'console/**'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
