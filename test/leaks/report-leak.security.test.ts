import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintCredential } from '../../src/lib/token.ts';
import { REPORTS_PER_MINUTE } from '../../src/http/leak-routes.ts';
import { testRedisPrefix } from '../context.ts';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeKey, makeUser, verifyHttp } from '../verify/fixtures.ts';
import { reportLeak } from './helpers.ts';

/**
 * Issue 21: anyone holding a token may report it leaked, unauthenticated. The answer is the same
 * whether or not the token exists (no oracle), bad input gets a typed 400, and each client
 * address gets a few reports a minute.
 */
let server: TestServer;
let org: Awaited<ReturnType<typeof seedOrg>>;
beforeAll(async () => {
  server = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:report` } });
  org = await seedOrg(server);
});
afterAll(() => server.close());

const resetLimit = () => server.app.redis.del(`${server.config.redisPrefix}:leak-report:127.0.0.1`);

async function key() {
  const { userId } = await makeUser(server.app.orm, org.organizationId, ['keys:read']);
  return makeKey(server.app.orm, server.config.pepper, { organizationId: org.organizationId, userId });
}

describe('POST /v1/keys/report-leak', () => {
  it('revokes a reported key, and answers exactly the same for a token that is no key', async () => {
    await resetLimit();
    const real = await key();
    const realAnswer = await reportLeak(server.url, { token: real.token, url: 'https://pastebin.example/abc' });
    const fakeAnswer = await reportLeak(server.url, { token: mintCredential('SECRET').token, url: 'https://pastebin.example/abc' });
    const badChecksum = await reportLeak(server.url, { token: `${real.token.slice(0, -1)}${real.token.endsWith('A') ? 'B' : 'A'}` });
    for (const r of [realAnswer, fakeAnswer, badChecksum]) {
      expect(r.status).toBe(202);
      expect(r.body).toEqual({ received: true });
    }
    await expect.poll(async () => (await verifyHttp(server, org.token, { token: real.token })).body.code, { timeout: 5000, interval: 50 }).toBe('REVOKED');
    const [row] = await server.app.orm.em
      .fork()
      .execute<{ reporter: string; url: string; action: string }[]>('select reporter, url, action from key_leak where api_key_id = ?', [real.id]);
    expect(row).toEqual({ reporter: 'report', url: 'https://pastebin.example/abc', action: 'REVOKED' });
  });

  it('needs the whole working token: a key id with a wrong secret revokes nothing', async () => {
    await resetLimit();
    const victim = await key();
    const forged = `kp_sk_${victim.keyId}_${mintCredential('SECRET', victim.keyId).secret}`;
    expect((await reportLeak(server.url, { token: forged })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect((await verifyHttp(server, org.token, { token: victim.token })).body.code).toBe('VALID');
    expect(await server.app.orm.em.fork().execute('select 1 from key_leak where api_key_id = ?', [victim.id])).toHaveLength(0);
  });

  it('refuses malformed input with a typed 400 that says nothing about existence', async () => {
    await resetLimit();
    for (const body of [{}, { token: '' }, { token: 'x'.repeat(300) }, { token: 'kp_x', url: 'javascript:alert(1)' }, { token: 'kp_x', extra: 1 }]) {
      const r = await reportLeak(server.url, body);
      expect(r.status).toBe(400);
      expect(r.body.errors[0].extensions.code).toBe('VALIDATION');
    }
    const res = await fetch(`${server.url}/v1/keys/report-leak`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'kp_sk_x' });
    expect(res.status).toBe(415);
  });

  it(`takes ${REPORTS_PER_MINUTE} reports a minute from one address, then 429 with Retry-After`, async () => {
    await resetLimit();
    const statuses: number[] = [];
    for (let i = 0; i <= REPORTS_PER_MINUTE; i++) statuses.push((await reportLeak(server.url, { token: mintCredential('SECRET').token })).status);
    expect(statuses.slice(0, REPORTS_PER_MINUTE).every((s) => s === 202)).toBe(true);
    const last = await reportLeak(server.url, { token: mintCredential('SECRET').token });
    expect(statuses.at(-1)).toBe(429);
    expect(last.status).toBe(429);
    expect(last.headers.get('retry-after')).toBe('60');
    expect(last.body.errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});
