import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisPrefix } from '../context.ts';
import { privatePostgres, privatePostgresReplica, type PrivatePostgres } from '../engines.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { ApiKeyQ, ApiKeys, AuditLog, CreateApiKey } from '../keys/ops.ts';
import { waitFor } from '../webhooks/helpers.ts';

/**
 * Issue 23, item 3: a real streaming replica (pg_basebackup of the test's own primary). List
 * pages and reports are read from it; a caller that wrote reads its own writes from the primary
 * for KEYPLANE_READ_YOUR_WRITES_SECONDS, on this request and the next ones. Replay is paused on
 * the replica to tell the two servers apart: what the replica shows stops at the pause.
 */
let primary: PrivatePostgres;
let replica: Awaited<ReturnType<typeof privatePostgresReplica>>;
let server: TestServer;
const BOUND_SECONDS = 2;

beforeAll(async () => {
  primary = await privatePostgres();
  replica = await privatePostgresReplica(primary);
  const db = (url: string) => url.replace(/\/postgres$/, '/keyplane_replica');
  server = await startTestServer({
    config: {
      DATABASE_URL: db(primary.url),
      DATABASE_REPLICA_URL: db(replica.url),
      KEYPLANE_READ_YOUR_WRITES_SECONDS: String(BOUND_SECONDS),
      KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:replica`,
    },
    app: { migrate: true },
  });
}, 90_000);
afterAll(async () => {
  await server?.close();
  await replica?.destroy();
  await primary?.destroy();
}, 60_000);

async function keyNames(token: string): Promise<string[]> {
  const res = await gql(server, token, ApiKeys, { first: 100 });
  return res.data!.apiKeys.edges.map((e) => e.node.name);
}

async function auditTargets(token: string): Promise<string[]> {
  const res = await gql(server, token, AuditLog, { first: 100 });
  return res.data!.auditLog.edges.map((e) => e.node.targetId ?? '');
}

describe('with a read replica', () => {
  it('serves list pages and reports from the replica, and a writer its own writes from the primary within the bound', async () => {
    const owner = await seedOrg(server);
    // A second caller of the same organisation (a key of the owner's; it never writes).
    const reader = success(
      (await gql(server, owner.token, CreateApiKey, { input: { name: 'reader', kind: 'SECRET' } })).data?.createApiKey,
      'CreateApiKeySuccess',
    );
    await waitFor(async () => (await keyNames(reader.token!)).includes('reader'), 'the replica to catch up', 20_000);

    await replica.pauseReplay();
    const created = success(
      (await gql(server, owner.token, CreateApiKey, { input: { name: 'written while paused', kind: 'SECRET' } })).data?.createApiKey,
      'CreateApiKeySuccess',
    );
    // The mutation's own payload shows the write.
    expect(created.apiKey.name).toBe('written while paused');

    // The writer's next requests read from the primary: its list and its audit log show the key.
    expect(await keyNames(owner.token)).toContain('written while paused');
    expect(await auditTargets(owner.token)).toContain(created.apiKey.id);
    // Another caller's list and report come from the replica, paused before the write.
    expect(await keyNames(reader.token!)).not.toContain('written while paused');
    expect(await auditTargets(reader.token!)).not.toContain(created.apiKey.id);
    // A single object is not a list: read from the primary, by anyone.
    expect((await gql(server, reader.token!, ApiKeyQ, { id: created.apiKey.id })).data?.apiKey?.name).toBe('written while paused');

    // Past the bound, the writer's lists go to the replica too (which still has not replayed it).
    await new Promise((r) => setTimeout(r, BOUND_SECONDS * 1000 + 300));
    expect(await keyNames(owner.token)).not.toContain('written while paused');

    await replica.resumeReplay();
    await waitFor(async () => (await keyNames(reader.token!)).includes('written while paused'), 'the replica to replay the write', 20_000);
  });

  it('routes by caller: everything to the primary without a replica; a writer’s marker holds only for it', async () => {
    expect(server.config.databaseReplicaUrl).toContain(`:${replica.port}/`);
    // Without DATABASE_REPLICA_URL the router never sends a read away.
    const { ReadRouter } = await import('../../src/infra/read-router.ts');
    const off = new ReadRouter({ redis: server.app.redis, prefix: 'x', boundMs: 1000, enabled: false });
    expect(await off.connectionFor('anyone')).toBe('write');
    const on = new ReadRouter({ redis: server.app.redis, prefix: `${server.config.redisPrefix}:t`, boundMs: 1000, enabled: true });
    expect(await on.connectionFor('caller')).toBe('read');
    await on.wrote('caller');
    expect(await on.connectionFor('caller')).toBe('write');
    expect(await on.connectionFor('someone else')).toBe('read');
  });
});
