import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.ts';
import { openDatabase } from '../infra/orm.ts';
import { RedisEventTarget } from '../infra/pubsub.ts';
import { createRedis } from '../infra/redis.ts';
import { KEY_ADDED_TOPIC } from '../modules/verification/key-id-filter.ts';
import { bootstrapOrganization } from '../modules/orgs/bootstrap.service.ts';

const { values } = parseArgs({ options: { org: { type: 'string' } } });
if (!values.org) {
  console.error('usage: npm run bootstrap -- --org NAME');
  process.exit(2);
}
try {
  const config = loadConfig();
  const orm = await openDatabase(config);
  const result = await bootstrapOrganization(orm, config.pepper, values.org);
  await orm.close(true);
  // Running API processes learn the new key id at once (their key id filters would otherwise
  // find it only through the small budget of lookups for unknown ids, or at the next rebuild).
  const redis = createRedis(config.redisUrl, 'cli', { maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => {});
  try {
    await new RedisEventTarget(redis, redis, config.redisPrefix).publish(KEY_ADDED_TOPIC, { keyId: result.keyId });
  } catch (err) {
    console.error(
      `warning: running API processes were not told of the new key (${(err as Error).message}); they look it up on first use, or learn it at their next filter rebuild (10 minutes)`,
    );
  } finally {
    redis.disconnect();
  }
  // The one place a secret is printed: to the operator who ran this, once.
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
}
