import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { createKey } from '../keys/helpers.ts';
import { DeleteApiKey, Events, RevokeApiKey, RotateApiKey, UpdateApiKey } from '../keys/ops.ts';
import { CreateUser } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('events', () => {
  it('lists every key change in order, with sanitized data', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token, { name: 'lifecycle' });
    const id = key.apiKey.id;
    success((await gql(server, org.token, UpdateApiKey, { input: { id, name: 'renamed' } })).data?.updateApiKey, 'UpdateApiKeySuccess');
    const rotated = success((await gql(server, org.token, RotateApiKey, { input: { id, gracePeriodSeconds: 30 } })).data?.rotateApiKey, 'RotateApiKeySuccess');
    success((await gql(server, org.token, RevokeApiKey, { input: { id, reason: 'leaked' } })).data?.revokeApiKey, 'RevokeApiKeySuccess');
    success((await gql(server, org.token, DeleteApiKey, { input: { id } })).data?.deleteApiKey, 'DeleteApiKeySuccess');

    const res = await gql(server, org.token, Events, { filter: { keyId: id } });
    const nodes = res.data!.events.edges.map((e) => e.node);
    expect(nodes.map((n) => n.type)).toEqual(['api_key.created', 'api_key.updated', 'api_key.rotated', 'api_key.revoked', 'api_key.deleted']);
    for (const n of nodes) {
      expect(n).toMatchObject({ organizationId: org.organizationId, keyId: id });
      expect(n.id).toMatch(/^evt_/);
      const text = JSON.stringify(n.data);
      expect(text).not.toMatch(/secretHash|previousSecretHash/);
      expect(text).not.toContain(key.secret);
      expect(text).not.toContain(rotated.secret);
    }
    expect(nodes[1]!.data).toMatchObject({ apiKey: { name: 'renamed' }, changes: { name: { old: 'lifecycle', new: 'renamed' } } });
    expect(nodes[3]!.data).toMatchObject({ reason: 'leaked', apiKey: { status: 'REVOKED' } });
  });

  it('filters by types (exact and family) and since, and pages by cursor as a polling feed', async () => {
    const org = await seedOrg(server);
    success((await gql(server, org.token, CreateUser, { input: { name: 'Ann' } })).data?.createUser, 'CreateUserSuccess');
    const k1 = await createKey(server, org.token);
    await createKey(server, org.token);

    const all = (await gql(server, org.token, Events, {})).data!.events.edges.map((e) => e.node.type);
    expect(all).toEqual(['organization.created', 'user.created', 'api_key.created', 'user.created', 'api_key.created', 'api_key.created']);
    const keys = (await gql(server, org.token, Events, { filter: { types: ['api_key.*'] } })).data!.events.edges;
    expect(keys).toHaveLength(3);
    const users = (await gql(server, org.token, Events, { filter: { types: ['user.created', 'role.deleted'] } })).data!.events.edges;
    expect(users.map((e) => e.node.type)).toEqual(['user.created', 'user.created']);
    const future = (await gql(server, org.token, Events, { filter: { since: new Date(Date.now() + 60_000).toISOString() } })).data!.events.edges;
    expect(future).toEqual([]);

    // Poll: two at a time, then resume from the last cursor and see only what came after.
    const page1 = (await gql(server, org.token, Events, { first: 2 })).data!.events;
    expect(page1.edges.map((e) => e.node.type)).toEqual(['organization.created', 'user.created']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await gql(server, org.token, Events, { first: 10, after: page1.pageInfo.endCursor })).data!.events;
    expect(page2.edges).toHaveLength(4);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const tail = (await gql(server, org.token, Events, { after: page2.pageInfo.endCursor })).data!.events;
    expect(tail.edges).toEqual([]);
    success((await gql(server, org.token, RevokeApiKey, { input: { id: k1.apiKey.id } })).data?.revokeApiKey, 'RevokeApiKeySuccess');
    const next = (await gql(server, org.token, Events, { after: page2.pageInfo.endCursor })).data!.events;
    expect(next.edges.map((e) => e.node.type)).toEqual(['api_key.revoked']);
  });

  it('lists newest first on request: the latest events of a type in one page, older ones by cursor', async () => {
    const org = await seedOrg(server);
    const keys = [];
    for (const name of ['first', 'second', 'third', 'fourth']) keys.push(await createKey(server, org.token, { name }));
    success((await gql(server, org.token, CreateUser, { input: { name: 'Not a key' } })).data?.createUser, 'CreateUserSuccess');

    const latest = (await gql(server, org.token, Events, { filter: { types: ['api_key.created'] }, first: 2, order: 'NEWEST_FIRST' })).data!.events;
    expect(latest.edges.map((e) => e.node.keyId)).toEqual([keys[3]!.apiKey.id, keys[2]!.apiKey.id]);
    expect(latest.pageInfo.hasNextPage).toBe(true);
    const older = (
      await gql(server, org.token, Events, { filter: { types: ['api_key.created'] }, first: 2, after: latest.pageInfo.endCursor, order: 'NEWEST_FIRST' })
    ).data!.events;
    expect(older.edges.map((e) => e.node.keyId)).toEqual([keys[1]!.apiKey.id, keys[0]!.apiKey.id]);
    expect(older.pageInfo.hasNextPage).toBe(true); // the organisation's first key, made by seedOrg
    const oldest = (
      await gql(server, org.token, Events, { filter: { types: ['api_key.created'] }, first: 2, after: older.pageInfo.endCursor, order: 'NEWEST_FIRST' })
    ).data!.events;
    expect(oldest.edges).toHaveLength(1);
    expect(oldest.pageInfo.hasNextPage).toBe(false);
    // Every type, newest first, is the commit-order feed reversed.
    const commitOrder = (await gql(server, org.token, Events, { first: 50 })).data!.events.edges.map((e) => e.node.id);
    const newest = (await gql(server, org.token, Events, { first: 50, order: 'NEWEST_FIRST' })).data!.events.edges.map((e) => e.node.id);
    expect(newest).toEqual([...commitOrder].reverse());
  });

  it('numbers events in commit order: a transaction that commits later never gets a lower seq', async () => {
    const org = await seedOrg(server);
    const url = server.config.databaseUrl;
    const a = new pg.Client({ connectionString: url });
    const b = new pg.Client({ connectionString: url });
    await a.connect();
    await b.connect();
    try {
      const insert = (c: pg.Client, type: string) =>
        c.query(`insert into event (id, type, organization_id, occurred_at, data) values ($1, $2, $3, now(), '{}') returning seq`, [
          newId('event'),
          type,
          org.organizationId,
        ]);
      await a.query('begin');
      await b.query('begin');
      const seqA = (await insert(a, 'user.updated')).rows[0].seq;
      // B's insert waits for A's commit, so B cannot take a number and commit before A.
      let bDone = false;
      const pendingB = insert(b, 'role.updated').then((r) => {
        bDone = true;
        return r.rows[0].seq as string;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(bDone).toBe(false);
      const before = (await gql(server, org.token, Events, { filter: { types: ['user.updated', 'role.updated'] } })).data!.events.edges;
      expect(before).toEqual([]);
      await a.query('commit');
      const seqB = await pendingB;
      expect(BigInt(seqB)).toBeGreaterThan(BigInt(seqA));
      const mid = (await gql(server, org.token, Events, { filter: { types: ['user.updated', 'role.updated'] } })).data!.events;
      expect(mid.edges.map((e) => e.node.type)).toEqual(['user.updated']);
      await b.query('commit');
      const rest = (await gql(server, org.token, Events, { filter: { types: ['user.updated', 'role.updated'] }, after: mid.pageInfo.endCursor })).data!.events;
      expect(rest.edges.map((e) => e.node.type)).toEqual(['role.updated']);
    } finally {
      await a.end();
      await b.end();
    }
  });
});
