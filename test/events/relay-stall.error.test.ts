import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELAY_LOCK } from '../../src/modules/events/outbox-relay.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateUser } from '../ops.ts';
import { dropRedisNamespace, startEventWorkers, waitFor, webhookEnv } from '../webhooks/helpers.ts';

/**
 * Issue 16, item 4: a workers process killed in the middle of a relay pass leaves its
 * transaction (and the relay's advisory lock) to PostgreSQL, which ends both when the
 * connection dies. The other workers process relays the waiting events within a second or so;
 * the old fixed-id BullMQ job waited for BullMQ's stalled check (47-90 s).
 */
let server: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;

beforeAll(async () => {
  server = await startTestServer({ config: webhookEnv('relay-stall') });
  workers = await startEventWorkers(server.config);
});
afterAll(async () => {
  await workers.close();
  await server.close();
  await dropRedisNamespace(server.config);
});

const relayedAt = async (name: string) => {
  const [row] = await server.app.orm.em
    .fork()
    .getConnection()
    .execute<{ relayed_at: Date | null }[]>(`select relayed_at from event where type = 'user.created' and data->'user'->>'name' = ?`, [name]);
  return row?.relayed_at ?? null;
};

describe('a relay that dies mid-pass', () => {
  it('holds the outbox only until its connection dies, then the other process relays at once', async () => {
    const org = await seedOrg(server);
    // A relay pass of another workers process, caught in the middle: its transaction holds the lock.
    const dying = new pg.Client({ connectionString: server.config.databaseAppUrl });
    dying.on('error', () => {});
    await dying.connect();
    await dying.query('begin');
    await dying.query('select pg_advisory_xact_lock($1)', [RELAY_LOCK]);

    success((await gql(server, org.token, CreateUser, { input: { name: 'While held', kind: 'SERVICE' } })).data?.createUser, 'CreateUserSuccess');
    // Nobody relays while the pass is held (the running process's passes find the lock taken).
    await new Promise((r) => setTimeout(r, 1500));
    expect(await relayedAt('While held')).toBeNull();

    // SIGKILL of that process: its socket closes without a word; PostgreSQL rolls back and unlocks.
    const killedAt = performance.now();
    (dying as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await waitFor(() => relayedAt('While held'), 'the event to be relayed by the surviving process', 5000, 50);
    expect(performance.now() - killedAt).toBeLessThan(5000);
  });
});
