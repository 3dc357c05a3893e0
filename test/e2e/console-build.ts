import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds the console exactly as `npm run console:build` does (same vite config), into a folder of
 * this test run only, once per run: tests never touch console/dist, which a running `npm start`
 * may be serving. Needs the typed documents (npm test's pretest runs codegen).
 */
export function buildConsole(runId: string): string {
  const out = join(tmpdir(), `keyplane-console-${runId.replace(/[^A-Za-z0-9_-]/g, '_')}`);
  if (existsSync(join(out, 'index.html'))) return out;
  mkdirSync(out, { recursive: true });
  const vite = join(createRequire(import.meta.url).resolve('vite/package.json'), '..', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', 'console/vite.config.ts', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], {
    encoding: 'utf8',
    timeout: 120_000,
    // Vitest runs with NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (r.status !== 0) throw new Error(`console build failed:\n${r.stdout}\n${r.stderr}`);
  return out;
}
