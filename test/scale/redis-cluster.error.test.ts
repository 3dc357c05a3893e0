import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrefix } from '../../src/jobs/define-job.ts';
import { wsSubscribe, type Sub } from '../events/helpers.ts';
import { privateRedisCluster, type PrivateRedisCluster } from '../engines.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { RevokeApiKey } from '../keys/ops.ts';
import { CreateUser } from '../ops.ts';
import { makeKey, makeUser, verifyHttp, type TestKey } from '../verify/fixtures.ts';
import { createEndpoint, type HookReceiver, startEventWorkers, startReceiver, waitFor, webhookEnv } from '../webhooks/helpers.ts';

/**
 * Issue 23, item 1: the whole service on a real Redis Cluster (3 masters + 3 replicas of the
 * test's own): two API replicas and the workers use it for the BullMQ queues, pub/sub
 * (invalidations and subscriptions), the rate-limit and credit scripts and the key id filter.
 * A master is killed mid-run: its replica takes over, the service goes on, no event is lost.
 */
let cluster: PrivateRedisCluster;
let a: TestServer;
let b: TestServer;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
let org: Awaited<ReturnType<typeof seedOrg>>;
const subs: Sub[] = [];
const receivers: HookReceiver[] = [];

beforeAll(async () => {
  cluster = await privateRedisCluster();
  // REDIS_URL names a port where nothing listens: a client that ignored the cluster would fail.
  const env = webhookEnv('rcluster', { KEYPLANE_REDIS_CLUSTER_NODES: cluster.seeds, REDIS_URL: 'redis://127.0.0.1:9' });
  [a, b] = await Promise.all([startTestServer({ config: env }), startTestServer({ config: env })]);
  workers = await startEventWorkers(a.config);
  org = await seedOrg(a);
}, 90_000);
afterAll(async () => {
  subs.forEach((s) => s.stop());
  await Promise.all(receivers.map((r) => r.close()));
  await workers?.close();
  await Promise.all([a?.close(), b?.close()]);
  await cluster?.stop();
}, 60_000);

async function key(opts: Partial<Parameters<typeof makeKey>[2]> = {}): Promise<TestKey> {
  const { userId } = await makeUser(a.app.orm, org.organizationId, ['keys:read']);
  return makeKey(a.app.orm, a.config.pepper, { organizationId: org.organizationId, userId, ...opts });
}

/** `n` verifications of one key, alternating the replicas, one at a time; the answers tallied. */
async function tally(k: TestKey, n: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await verifyHttp(i % 2 ? a : b, org.token, { token: k.token });
    const code = res.status === 503 ? 'UNAVAILABLE' : res.body.code;
    out[code] = (out[code] ?? 0) + 1;
  }
  return out;
}

describe('on a Redis Cluster', () => {
  it('is what both replicas and the workers use', () => {
    for (const s of [a, b]) {
      expect(s.config.redisClusterNodes).toHaveLength(6);
      expect(s.app.redis).toBeInstanceOf(Cluster);
    }
  });

  it('verifies keys, holds rate limits and credits across two replicas, and invalidates a revoked key on both', async () => {
    const limited = await key({ rateLimit: { limit: 5, windowSeconds: 60 } });
    expect(await tally(limited, 10)).toEqual({ VALID: 5, RATE_LIMITED: 5 });
    const credited = await key({ credits: 20 });
    expect(await tally(credited, 30)).toEqual({ VALID: 20, USAGE_EXCEEDED: 10 });

    const plain = await key();
    expect((await verifyHttp(b, org.token, { token: plain.token })).body.code).toBe('VALID'); // cached on B
    success((await gql(a, org.token, RevokeApiKey, { input: { id: plain.id, reason: 'cluster test' } })).data?.revokeApiKey, 'RevokeApiKeySuccess');
    const started = Date.now();
    await waitFor(async () => (await verifyHttp(b, org.token, { token: plain.token })).body.code === 'REVOKED', 'replica B to refuse the key', 2000, 20);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('goes on through a master failover: every event delivered once, subscriptions and limits still served', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(204).end());
    receivers.push(receiver);
    const endpoint = await createEndpoint(a, org.token, { url: receiver.url, eventTypes: ['user.created'] });
    const ws = wsSubscribe(b, org.token, { filter: { types: ['user.created'] } });
    subs.push(ws);
    const createUser = async (name: string) =>
      success((await gql(a, org.token, CreateUser, { input: { name, kind: 'SERVICE' } })).data?.createUser, 'CreateUserSuccess').user;
    // The subscription is live once it has seen one event.
    await waitFor(async () => {
      await createUser(`probe ${Date.now()}`);
      await new Promise((r) => setTimeout(r, 300));
      return ws.received.length > 0;
    }, 'the subscription to receive an event');

    // The master holding the queues' slot (BullMQ's keys are all in `{prefix}`) goes, mid-stream.
    const victim = await cluster.masterOf(queuePrefix(a.config));
    const names: string[] = [];
    let killed: Promise<void> | null = null;
    for (let i = 0; i < 40; i++) {
      if (i === 15) killed = cluster.killMaster(victim);
      const name = `failover ${i}`;
      names.push(name);
      await createUser(name);
      await new Promise((r) => setTimeout(r, 50));
    }
    await killed;
    expect(await cluster.masterOf(queuePrefix(a.config))).not.toBe(victim);
    // After the failover: one more event, which the subscription must carry.
    await createUser('after failover');
    names.push('after failover');

    // Every event of the run reaches the receiver (the outbox in PostgreSQL re-drives what Redis lost).
    const sent = (hitName: string) => receiver.hits.some((h) => (JSON.parse(h.body) as { data: { user: { name: string } } }).data.user.name === hitName);
    // Jobs the dead master had not replicated come back through the sweep (1 s here); a loaded machine may take a while.
    await waitFor(() => names.every(sent), 'every user.created event at the receiver', 90_000, 100);
    const pending = async () =>
      Number(
        (
          await a.app.orm.em
            .fork()
            .execute<{ n: string }[]>(`select count(*) as n from delivery where endpoint_id = ? and status <> 'SUCCEEDED'`, [endpoint.webhookEndpoint.id])
        )[0]!.n,
      );
    await waitFor(async () => (await pending()) === 0, 'every delivery row to be SUCCEEDED', 30_000);
    const rows = await a.app.orm.em.fork().execute<{ msg_id: string }[]>(`select msg_id from delivery where endpoint_id = ?`, [endpoint.webhookEndpoint.id]);
    // Every delivery's message arrived; a repeat (a request cut by the failover, retried) carries the same webhook-id.
    const ids = new Set(receiver.hits.map((h) => String(h.headers['webhook-id'])));
    expect(ids).toEqual(new Set(rows.map((r) => r.msg_id)));
    expect(rows.length).toBeGreaterThanOrEqual(names.length);
    expect(receiver.hits.length - ids.size).toBeLessThanOrEqual(5);

    await waitFor(
      () => ws.received.some((r) => r.data?.keyEvents.data?.user?.name === 'after failover'),
      'the subscription to carry an event made after the failover',
      10_000,
    );
    expect(ws.completed).toBe(false);

    // Limits and verification go on (the scripts' slots moved to the promoted replica for a third of keys).
    const limited = await key({ rateLimit: { limit: 3, windowSeconds: 60 } });
    expect(await tally(limited, 6)).toEqual({ VALID: 3, RATE_LIMITED: 3 });
    const credited = await key({ credits: 4 });
    expect(await tally(credited, 6)).toEqual({ VALID: 4, USAGE_EXCEEDED: 2 });
  }, 150_000);
});
