import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateUser } from '../ops.ts';
import { createEndpoint, dropRedisNamespace, startReceiver, waitFor, webhookEnv, type HookReceiver } from '../webhooks/helpers.ts';
import { testDatabaseUrl, testRedisUrl } from '../context.ts';
import { makeKey, makeUser, verifyHttp } from '../verify/fixtures.ts';

/**
 * Issue 16, "0 events lost": the whole workers process (`npm run start:workers`, every worker)
 * is SIGKILLed twice while events are being made and delivered, and started again. Every event
 * reaches the webhook receiver; duplicates (a delivery killed after the send, before its
 * record) are counted and reported. Usage, which no worker carries any more, stays exact.
 */
const root = new URL('../../', import.meta.url).pathname;
const env = webhookEnv('wkill');
let server: TestServer;
let receiver: HookReceiver;
let child: ChildProcess | null = null;

function startWorkersProcess(): ChildProcess {
  const c = spawn(process.execPath, ['workers/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      NODE_ENV: 'test',
      DATABASE_URL: testDatabaseUrl(),
      REDIS_URL: testRedisUrl(),
      KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: 'true',
      KEYPLANE_LOG_LEVEL: 'error',
      KEYPLANE_WORKERS_HEALTH_PORT: '0',
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  return c;
}

async function kill(c: ChildProcess | null): Promise<void> {
  if (!c || c.exitCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  server = await startTestServer({ config: env });
  receiver = await startReceiver();
});
afterAll(async () => {
  await kill(child);
  await receiver.close();
  await server.close();
  await dropRedisNamespace(server.config);
});

describe('workers SIGKILLed twice under load', () => {
  // Three workers process starts and waits of up to 20 s for deliveries each: 27 s seen under load.
  it('delivers every event at least once, counts duplicates, and usage stays exact', { timeout: 150_000 }, async () => {
    const org = await seedOrg(server);
    await createEndpoint(server, org.token, { url: `${receiver.url}/hook`, eventTypes: ['user.created'] });
    const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });

    const names: string[] = [];
    let verified = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        const name = `wk-${names.length}`;
        names.push(name);
        success((await gql(server, org.token, CreateUser, { input: { name, kind: 'SERVICE' } })).data?.createUser, 'CreateUserSuccess');
        if ((await verifyHttp(server, org.token, { token: key.token })).body.code === 'VALID') verified++;
      }
    })();
    const deliveredSince = async (count: number) => waitFor(() => receiver.hits.length > count + 5, 'deliveries by the running workers', 20_000, 50);

    child = startWorkersProcess();
    await deliveredSince(0);
    await kill(child); // mid-flow: relay passes and deliveries in flight
    await new Promise((r) => setTimeout(r, 500)); // events pile up with no workers at all
    child = startWorkersProcess();
    await deliveredSince(receiver.hits.length);
    await kill(child);
    child = startWorkersProcess();
    await deliveredSince(receiver.hits.length);
    producing = false;
    await producer;

    const received = () => {
      const byName = new Map<string, number>();
      for (const h of receiver.hits) {
        const name = (JSON.parse(h.body) as { data?: { user?: { name?: string } } }).data?.user?.name;
        if (name) byName.set(name, (byName.get(name) ?? 0) + 1);
      }
      return byName;
    };
    await waitFor(() => names.every((n) => received().has(n)), 'every event at the receiver', 45_000, 200);
    const byName = received();
    const duplicates = [...byName.values()].reduce((sum, n) => sum + n - 1, 0);
    expect(names.filter((n) => !byName.has(n))).toEqual([]);
    // Duplicates carry the same webhook-id, so receivers drop them. A delivery is sent again only
    // when a kill cut its attempt between the send and its record: that attempt stays IN_FLIGHT.
    // So no event reaches the receiver more often than it has such stranded attempts plus one.
    const stranded = await server.app.orm.em.fork().execute<{ name: string; n: number }[]>(
      `select e.data->'user'->>'name' as name, count(*)::int as n
         from delivery d join event e on e.id = d.event_id join delivery_attempt a on a.delivery_id = d.id
        where e.organization_id = ? and a.error_code = 'IN_FLIGHT'
        group by 1`,
      [org.organizationId],
    );
    const strandedByName = new Map(stranded.map((r) => [r.name, r.n]));
    expect([...byName].filter(([name, n]) => n - 1 > (strandedByName.get(name) ?? 0))).toEqual([]);
    // And what a kill strands is bounded by what was in flight (concurrent jobs × one slice each).
    const strandedTotal = stranded.reduce((sum, r) => sum + r.n, 0);
    console.info(`workers killed twice: ${names.length} events, all delivered, ${duplicates} duplicate deliveries, ${strandedTotal} attempts cut by a kill`);
    expect(strandedTotal).toBeLessThanOrEqual(2 * server.config.webhookConcurrency * 32);

    await server.app.usage.flush();
    const [row] = await server.app.orm.em
      .fork()
      .execute<{ n: string }[]>(`select coalesce(sum(count), 0)::text as n from usage_bucket where api_key_id = ? and code = 'VALID'`, [key.id]);
    expect(Number(row!.n)).toBe(verified);
    expect(verified).toBe(names.length);
  });
});
