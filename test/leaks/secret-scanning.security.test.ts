import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintCredential } from '../../src/lib/token.ts';
import { testRedisPrefix } from '../context.ts';
import { wsSubscribe } from '../events/helpers.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { makeKey, makeUser, verifyHttp, type TestKey } from '../verify/fixtures.ts';
import { createEndpoint, startEventWorkers, startReceiver, waitFor, webhookEnv, type HookReceiver } from '../webhooks/helpers.ts';
import { githubHeaders, githubKeyPair, postGithub } from './helpers.ts';

/**
 * Issue 21: GitHub's secret-scanning partner endpoint, end to end, with a locally generated
 * P-256 key pair standing in for GitHub's. Two API processes: a signed batch sent to one revokes
 * the matching key, which the other refuses within a second; forged and re-bodied signatures are
 * refused with 401 and revoke nothing; unknown and malformed tokens are false positives; the
 * api_key.leaked event reaches a webhook endpoint and a keyEvents subscriber.
 */
const github = githubKeyPair();
const impostor = githubKeyPair(); // same key id, another private key
let a: TestServer;
let b: TestServer;
let receiver: HookReceiver;
let workers: Awaited<ReturnType<typeof startEventWorkers>>;
let org: Awaited<ReturnType<typeof seedOrg>>;

beforeAll(async () => {
  const config = webhookEnv('leaks', { KEYPLANE_GITHUB_SCANNING_KEYS: github.config, KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:leaks` });
  [a, b] = await Promise.all([startTestServer({ config }), startTestServer({ config })]);
  workers = await startEventWorkers(a.config);
  receiver = await startReceiver();
  org = await seedOrg(a);
  await createEndpoint(a, org.token, { url: `${receiver.url}/hook`, eventTypes: ['api_key.leaked'] });
});
afterAll(async () => {
  await workers?.close();
  await receiver?.close();
  await Promise.all([a?.close(), b?.close()]);
});

async function key(): Promise<TestKey> {
  const { userId } = await makeUser(a.app.orm, org.organizationId, ['keys:read']);
  return makeKey(a.app.orm, a.config.pepper, { organizationId: org.organizationId, userId });
}

const code = async (s: TestServer, k: TestKey) => (await verifyHttp(s, org.token, { token: k.token })).body.code as string;

describe('POST /v1/secret-scanning/github', () => {
  it('revokes a leaked key everywhere within a second and labels every token', async () => {
    const leaked = await key();
    const bystander = await key();
    expect(await code(b, leaked)).toBe('VALID'); // cached on the other process
    const sub = wsSubscribe(a, org.token, { filter: { types: ['api_key.leaked'] } });
    await new Promise((r) => setTimeout(r, 300));

    const unknown = mintCredential('SECRET').token; // right shape and checksum, no such key
    const wrongSecret = `kp_sk_${bystander.keyId}_${mintCredential('SECRET', bystander.keyId).secret}`; // real key id, wrong secret
    const findings = [
      { token: leaked.token, type: 'keyplane_secret_key', url: 'https://github.com/acme/app/blob/abc/.env', source: 'content' },
      { token: unknown, type: 'keyplane_secret_key', url: 'https://github.com/acme/app/blob/abc/a.js', source: 'content' },
      { token: 'kp_sk_short_nope', type: 'keyplane_secret_key', url: '', source: 'commit' },
      { token: wrongSecret, type: 'keyplane_secret_key', url: 'https://gist.github.com/x', source: 'gist' },
    ];
    const body = JSON.stringify(findings);
    const res = await postGithub(a.url, body, githubHeaders(github, body));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(findings.map((f, i) => ({ token_raw: f.token, token_type: f.type, label: i === 0 ? 'true_positive' : 'false_positive' })));

    // The other process drops the key within a second of the answer.
    await expect.poll(() => code(b, leaked), { timeout: 1000, interval: 25 }).toBe('REVOKED');
    expect(await code(b, bystander)).toBe('VALID');

    // leakedAt in the API; the event reaches the subscriber and the webhook endpoint; a notification and an audit entry.
    const q = await gql(a, org.token, 'query($id: ID!) { apiKey(id: $id) { status leakedAt revokedReason } }', { id: leaked.id });
    expect(q.data).toMatchObject({ apiKey: { status: 'REVOKED', revokedReason: 'Found leaked by GitHub secret scanning' } });
    expect((q.data as { apiKey: { leakedAt: string } }).apiKey.leakedAt).toMatch(/^\d{4}-/);
    const event = await waitFor(() => sub.received.find((r) => r.data?.keyEvents.keyId === leaked.id), 'the api_key.leaked event on keyEvents', 10_000);
    expect(event.data!.keyEvents.data.leak).toMatchObject({
      reporter: 'github',
      url: findings[0]!.url,
      source: 'content',
      action: 'REVOKED',
      policy: 'REVOKE',
    });
    expect(JSON.stringify(event.data!.keyEvents.data)).not.toContain(leaked.secret);
    sub.stop();
    const hit = await waitFor(() => receiver.hits.find((h) => JSON.parse(h.body).data?.apiKey?.id === leaked.id), 'the api_key.leaked webhook', 15_000);
    expect(JSON.parse(hit.body).type).toBe('api_key.leaked');
    expect(hit.body).not.toContain(leaked.secret);
    const notes = await a.app.orm.em
      .fork()
      .execute<{ title: string }[]>(`select title from notification where key_id = ? and type = 'api_key.leaked'`, [leaked.id]);
    expect(notes[0]?.title).toContain('found leaked');
    const audit = await a.app.orm.em.fork().execute(`select 1 from audit_entry where target_id = ? and action = 'api_key.leaked'`, [leaked.id]);
    expect(audit).toHaveLength(1);

    // The same request again (GitHub retries): recognised, nothing new happens.
    const again = await postGithub(a.url, body, githubHeaders(github, body));
    expect(again.body[0].label).toBe('true_positive');
    const events = await a.app.orm.em.fork().execute(`select 1 from event where type = 'api_key.leaked' and key_id = ?`, [leaked.id]);
    expect(events).toHaveLength(1);
  });

  it('refuses a forged signature, a signature moved onto another body, and a missing one with 401, revoking nothing', async () => {
    const target = await key();
    const body = JSON.stringify([{ token: target.token, type: 't', url: 'https://example.com/x', source: 'content' }]);

    const forged = await postGithub(a.url, body, githubHeaders(impostor, body));
    expect(forged.status).toBe(401);
    expect(forged.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const harmless = JSON.stringify([{ token: 'kp_sk_nothing', type: 't', url: '', source: 'content' }]);
    const moved = await postGithub(a.url, body, githubHeaders(github, harmless)); // a real signature, of another body
    expect(moved.status).toBe(401);

    const bare = await postGithub(a.url, body, { 'content-type': 'application/json' });
    expect(bare.status).toBe(401);
    const wrongId = await postGithub(a.url, body, { ...githubHeaders(github, body), 'github-public-key-identifier': 'another-key' });
    expect(wrongId.status).toBe(401);
    const junk = await postGithub(a.url, body, { ...githubHeaders(github, body), 'github-public-key-signature': 'not base64 !!!' });
    expect(junk.status).toBe(401);

    expect(await code(a, target)).toBe('VALID');
    expect(await code(b, target)).toBe('VALID');
  });

  it('refuses bodies that are not a batch, and oversized ones, without acting', async () => {
    for (const body of ['{}', '[]', 'not json', JSON.stringify([{ token: 'x'.repeat(300), type: 't', url: '', source: '' }])]) {
      const res = await postGithub(a.url, body, githubHeaders(github, body));
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe('VALIDATION');
    }
    const huge = JSON.stringify(Array.from({ length: 1001 }, () => ({ token: 'kp_sk_x', type: 't', url: '', source: '' })));
    expect((await postGithub(a.url, huge, githubHeaders(github, huge))).status).toBe(400);
    const res = await fetch(`${a.url}/v1/secret-scanning/github`, { method: 'GET' });
    expect(res.status).toBe(405);
  });

  it('handles a batch of 500 tokens: every real one revoked, the rest false positives', async () => {
    const keys = await Promise.all(Array.from({ length: 20 }, () => key()));
    const findings = [
      ...keys.map((k) => ({ token: k.token, type: 't', url: `https://example.com/${k.keyId}`, source: 'content' })),
      ...Array.from({ length: 480 }, () => ({ token: mintCredential('SECRET').token, type: 't', url: 'https://example.com/noise', source: 'content' })),
    ];
    const body = JSON.stringify(findings);
    const res = await postGithub(a.url, body, githubHeaders(github, body));
    expect(res.status).toBe(200);
    expect(res.body.filter((l: { label: string }) => l.label === 'true_positive')).toHaveLength(20);
    for (const k of keys.slice(0, 3)) expect(await code(b, k)).toBe('REVOKED');
  });
});
