// Runs the API and the workers as two processes (as in production, where they scale apart),
// forwards SIGINT/SIGTERM to both, and exits when either dies. Migrations run once, first.
import { spawn } from 'node:child_process';
import { API_NODE_FLAGS } from './node-flags.ts';

// Node 24 runs the TypeScript sources as they are (type stripping): no transpiler in production.
const run = (file, flags = []) => spawn(process.execPath, [...flags, file], { stdio: 'inherit', env: process.env });

const migrate = run('src/cli/migrate.ts');
const code = await new Promise((r) => migrate.on('exit', r));
if (code !== 0) process.exit(code ?? 1);

const children = [run('src/main.ts', API_NODE_FLAGS), run('workers/main.ts')];
let stopping = false;
const stop = (signal) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
for (const c of children)
  c.on('exit', (code) => {
    if (!stopping) {
      console.error(`a keyplane process exited (${code}); stopping the other`);
      process.exitCode = code || 1;
      stop('SIGTERM');
    }
  });
await Promise.all(children.map((c) => new Promise((r) => c.on('exit', r))));
