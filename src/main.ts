import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createHttpServer } from './http/server.js';
import { createLogger } from './infra/logger.js';

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
  const log = createLogger(config.logLevel);
  const app = await createApp(config, { log });
  const { server, close } = createHttpServer(app);
  server.listen(config.port, config.host, () => log.info({ port: config.port }, 'keyplane api listening'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    await close();
    await app.close();
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
