import { ConfigError, loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/infra/logger.js';
import { startHealthServer } from './health.js';
import { startWorkers } from './runtime.js';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.logLevel).child({ process: 'workers' });
  const runtime = await startWorkers(config, { log });
  log.info({ workers: runtime.names }, 'keyplane workers started');
  const health = config.workersHealthPort ? startHealthServer(runtime.deps, runtime.workers, config.workersHealthPort, config.host) : null;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'workers shutting down: finishing current jobs');
    const force = setTimeout(() => process.exit(1), 30_000).unref();
    health?.close();
    await runtime.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
