import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { createLogger, type Logger } from './logger.ts';

/**
 * Runs a long-lived process (API or workers): configuration read once (exit 2 naming the bad
 * variables), one logger, and a graceful stop on SIGTERM/SIGINT that `start`'s returned
 * function performs, bounded by `graceMs` before a forced exit.
 */
export function runProcess(opts: {
  name?: string;
  graceMs: number;
  stoppingMessage: string;
  start: (config: Config, log: Logger) => Promise<() => Promise<void>>;
}): void {
  const boot = async () => {
    let config: Config;
    try {
      config = loadConfig();
    } catch (e) {
      if (e instanceof ConfigError) {
        console.error(e.message);
        process.exit(2);
      }
      throw e;
    }
    const base = createLogger(config.logLevel);
    const log = opts.name ? base.child({ process: opts.name }) : base;
    const stopFn = await opts.start(config, log);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, opts.stoppingMessage);
      const force = setTimeout(() => process.exit(1), opts.graceMs).unref();
      await stopFn();
      clearTimeout(force);
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  };
  boot().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
