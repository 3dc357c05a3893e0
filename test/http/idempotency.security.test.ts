import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { userWithKey } from '../fixtures.ts';

/**
 * Issue 22, item 6: mutations take an Idempotency-Key. A retry with the same key and body gets
 * the first answer and does nothing again; a created key's secret is not shown twice (the retry
 * is a typed conflict naming the key); another body is refused; keys are per calling key.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function post(token: string, query: string, variables: Record<string, unknown>, key?: string) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as any };
}

const CreateUser = 'mutation($n: String!) { createUser(input: { name: $n, kind: SERVICE }) { __typename ... on CreateUserSuccess { user { id name } } } }';
const CreateKey = 'mutation($n: String!) { createApiKey(input: { name: $n }) { __typename ... on CreateApiKeySuccess { token apiKey { id name } } } }';
const count = async (sql: string, params: unknown[]) => Number((await server.app.orm.em.fork().execute<{ n: string }[]>(sql, params))[0]!.n);

describe('Idempotency-Key', () => {
  it('a retried mutation gets the first answer and changes nothing again', async () => {
    const org = await seedOrg(server);
    const first = await post(org.token, CreateUser, { n: 'Once' }, 'create-user-1');
    const again = await post(org.token, CreateUser, { n: 'Once' }, 'create-user-1');
    expect(first.status).toBe(200);
    expect(again).toMatchObject({ status: 200, replayed: 'true' });
    expect(again.body).toEqual(first.body);
    expect(await count(`select count(*)::text as n from app_user where organization_id = ? and name = 'Once'`, [org.organizationId])).toBe(1);
    // Without the header, the same mutation runs again.
    await post(org.token, CreateUser, { n: 'Once' });
    expect(await count(`select count(*)::text as n from app_user where organization_id = ? and name = 'Once'`, [org.organizationId])).toBe(2);
  });

  it('a created key’s secret is shown once: the retry is a typed conflict that names the key', async () => {
    const org = await seedOrg(server);
    const first = await post(org.token, CreateKey, { n: 'retried' }, 'create-key-1');
    const made = first.body.data.createApiKey;
    expect(made.token).toMatch(/^kp_sk_/);
    const again = await post(org.token, CreateKey, { n: 'retried' }, 'create-key-1');
    expect(again.status).toBe(409);
    expect(again.body.errors[0].extensions).toEqual({ code: 'IDEMPOTENT_REPLAY', apiKeyId: made.apiKey.id });
    expect(JSON.stringify(again.body)).not.toContain(made.token.slice(-50));
    const stored = await server.app.orm.em.fork().execute<{ response: string }[]>(`select response from idempotency_record where idem_key = 'create-key-1'`);
    expect(stored.map((r) => r.response).join('')).not.toContain(made.token.slice(-50));
    expect(await count(`select count(*)::text as n from api_key where organization_id = ? and name = 'retried'`, [org.organizationId])).toBe(1);
  });

  it('refuses the same key with another body, a malformed key, and keeps callers apart', async () => {
    const org = await seedOrg(server);
    await post(org.token, CreateUser, { n: 'A' }, 'k-1');
    const other = await post(org.token, CreateUser, { n: 'B' }, 'k-1');
    expect(other.status).toBe(422);
    expect(other.body.errors[0].extensions.code).toBe('IDEMPOTENCY_KEY_REUSED');
    for (const bad of ['', 'x'.repeat(256), 'with space']) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.token}`, 'idempotency-key': bad },
        body: JSON.stringify({ query: CreateUser, variables: { n: 'C' } }),
      });
      expect(res.status, JSON.stringify(bad.slice(0, 10))).toBe(400);
    }
    expect(await count(`select count(*)::text as n from app_user where organization_id = ? and name = 'C'`, [org.organizationId])).toBe(0);
    // Another caller's identical key is its own.
    const colleague = await userWithKey(server, org.token, org.organizationId, ['users:write', 'users:read']);
    const theirs = await post(colleague.token, CreateUser, { n: 'A' }, 'k-1');
    expect(theirs.status).toBe(200);
    expect(theirs.replayed).toBeNull();
    expect(theirs.body.data.createUser.__typename).toBe('CreateUserSuccess');
  });

  it('leaves a subscription over SSE alone: its stream is not an answer to keep', async () => {
    const org = await seedOrg(server);
    const controller = new AbortController();
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${org.token}`, 'idempotency-key': 'sse-1' },
      body: JSON.stringify({ query: 'subscription { keyEvents { id } }' }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    controller.abort();
    expect(await count(`select count(*)::text as n from idempotency_record where idem_key = 'sse-1'`, [])).toBe(0);
  });

  it('a request still running answers 409 to its retry; an answer older than 24 hours is forgotten', async () => {
    const org = await seedOrg(server);
    const callerId = (
      await server.app.orm.em.fork().execute<{ id: string }[]>('select id from api_key where organization_id = ? limit 1', [org.organizationId])
    )[0]!.id;
    const body = JSON.stringify({ query: CreateUser, variables: { n: 'Slow' } });
    const { createHash } = await import('node:crypto');
    await server.app.orm.em
      .fork()
      .execute(`insert into idempotency_record (caller_id, idem_key, body_hash, state) values (?, 'running', ?, 'PENDING')`, [
        callerId,
        createHash('sha256').update(body).digest(),
      ]);
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.token}`, 'idempotency-key': 'running' },
      body,
    });
    expect(res.status).toBe(409);
    expect(res.headers.get('retry-after')).toBe('1');
    await server.app.orm.em.fork().execute(`update idempotency_record set created_at = now() - interval '25 hours' where idem_key = 'running'`);
    const later = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.token}`, 'idempotency-key': 'running' },
      body,
    });
    expect(later.status).toBe(200);
    expect(((await later.json()) as any).data.createUser.__typename).toBe('CreateUserSuccess');
  });
});
