import { runProcess } from '../src/infra/process.js';
import { startHealthServer } from './health.js';
import { startWorkers } from './runtime.js';

runProcess({
  name: 'workers',
  graceMs: 30_000,
  stoppingMessage: 'workers shutting down: finishing current jobs',
  start: async (config, log) => {
    const runtime = await startWorkers(config, { log });
    log.info({ workers: runtime.names }, 'keyplane workers started');
    const health = config.workersHealthPort ? startHealthServer(runtime.deps, runtime.workers, config.workersHealthPort, config.host) : null;
    return async () => {
      health?.close();
      await runtime.close();
    };
  },
});
