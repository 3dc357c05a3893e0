import type { Config } from '../config/config.ts';
import type { CommandIo } from './command.ts';
import { RedisEventTarget } from '../infra/pubsub.ts';
import { createRedis } from '../infra/redis.ts';
import { KEY_ADDED_TOPIC } from '../modules/verification/key-id-filter.ts';

/**
 * Tells running API processes of a key id the CLI just created (their key id filters would
 * otherwise find it only through the small budget of lookups for unknown ids, or at the next
 * rebuild). A warning, not a failure, when Redis cannot be reached.
 */
export async function announceKey(config: Config, keyId: string, io: Pick<CommandIo, 'err'>): Promise<void> {
  const redis = createRedis(config, 'cli', { maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 3000 });
  try {
    await new RedisEventTarget(redis, redis, config.redisPrefix).publish(KEY_ADDED_TOPIC, { keyId });
  } catch (err) {
    io.err(
      `warning: running API processes were not told of the new key (${(err as Error).message}); they look it up on first use, or learn it at their next filter rebuild (10 minutes)\n`,
    );
  } finally {
    redis.disconnect();
  }
}

/**
 * Hands a freshly minted key to the operator: running API processes are told of its id, then the
 * result (with its secret) is printed as JSON. The one place a CLI prints a secret, once.
 */
export async function handOverKey(config: Config, result: { keyId: string }, io: Pick<CommandIo, 'out' | 'err'>): Promise<void> {
  await announceKey(config, result.keyId, io);
  io.out(`${JSON.stringify(result)}\n`);
}
