import { runProcess } from '../src/infra/process.ts';
import { startHealthServer } from './health.ts';
import { workerModules } from './registry.ts';
import { startWorkers } from './runtime.ts';

runProcess({
  name: 'workers',
  graceMs: 30_000,
  stoppingMessage: 'workers shutting down: finishing current jobs',
  start: async (config, log) => {
    const runtime = await startWorkers(config, { log, modules: workerModules });
    log.info({ workers: runtime.names }, 'keyplane workers started');
    const health = config.workersHealthPort ? startHealthServer(runtime.deps, runtime.workers, config.workersHealthPort, config.host) : null;
    return async () => {
      health?.close();
      // Jobs in flight get 20 s of the 30 s grace; then they are forced closed (BullMQ retries them).
      await runtime.close(20_000);
    };
  },
});
