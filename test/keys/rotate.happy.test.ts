import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { createKey, sql, statusOf } from './helpers.ts';
import { RotateApiKey } from './ops.ts';

// A clock the test moves: the verifier and the services read it, so a grace period can end
// without waiting, and with the key record still warm in the cache.
let offsetMs = 0;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ app: { now: () => Date.now() + offsetMs } });
});
afterAll(() => server.close());

async function rotate(token: string, id: string, gracePeriodSeconds?: number) {
  return success((await gql(server, token, RotateApiKey, { input: { id, gracePeriodSeconds } })).data?.rotateApiKey, 'RotateApiKeySuccess');
}

describe('rotateApiKey', () => {
  it('issues a new secret for the same key id; without grace the old secret stops at once', async () => {
    offsetMs = 0;
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    expect(await statusOf(server, key.token)).toBe(200); // now cached
    const rotated = await rotate(org.token, key.apiKey.id);
    expect(rotated.apiKey.id).toBe(key.apiKey.id);
    expect(rotated.apiKey.keyId).toBe(key.apiKey.keyId);
    expect(rotated.secret).not.toBe(key.secret);
    expect(rotated.token).toMatch(new RegExp(`^kp_sk_${key.apiKey.keyId}_`));
    expect(rotated.apiKey.start).not.toBe(key.apiKey.start);
    expect(rotated.apiKey.previousSecretExpiresAt).toBeNull();
    expect(rotated.apiKey.rotatedAt).not.toBeNull();
    expect(await statusOf(server, key.token)).toBe(401);
    expect(await statusOf(server, { keyId: key.apiKey.keyId, secret: key.secret })).toBe(401);
    expect(await statusOf(server, rotated.token)).toBe(200);
    expect(await statusOf(server, { keyId: key.apiKey.keyId, secret: rotated.secret })).toBe(200);
  });

  it('keeps the old secret working during the grace period and refuses it after, even while cached', async () => {
    offsetMs = 0;
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    const rotated = await rotate(org.token, key.apiKey.id, 3600);
    expect(new Date(rotated.apiKey.previousSecretExpiresAt!).getTime() - new Date(rotated.apiKey.rotatedAt!).getTime()).toBe(3600_000);
    expect(await statusOf(server, key.token)).toBe(200);
    expect(await statusOf(server, rotated.token)).toBe(200);
    offsetMs = 3599_000;
    expect(await statusOf(server, key.token)).toBe(200);
    offsetMs = 3601_000;
    // No database change and no invalidation happened: the cached record's expiry is enforced by time.
    expect(await statusOf(server, key.token)).toBe(401);
    expect(await statusOf(server, rotated.token)).toBe(200);
    offsetMs = 0;
  });

  it('a real short grace period ends on its own (wall clock)', async () => {
    offsetMs = 0;
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    await rotate(org.token, key.apiKey.id, 1);
    expect(await statusOf(server, key.token)).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await statusOf(server, key.token)).toBe(401);
  });

  it('a second rotation retires the first secret at once and keeps only the latest previous one in grace', async () => {
    offsetMs = 0;
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    const r1 = await rotate(org.token, key.apiKey.id, 600);
    const r2 = await rotate(org.token, key.apiKey.id, 600);
    expect(await statusOf(server, key.token)).toBe(401);
    expect(await statusOf(server, r1.token)).toBe(200);
    expect(await statusOf(server, r2.token)).toBe(200);
  });

  it('resets the inactivity clock, writes api_key.rotated and an audit entry without any secret', async () => {
    offsetMs = 0;
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    offsetMs = 10 * 86_400_000;
    const rotated = await rotate(org.token, key.apiKey.id, 60);
    expect(new Date(rotated.apiKey.lastActivityAt).getTime()).toBeGreaterThan(new Date(key.apiKey.lastActivityAt).getTime() + 9 * 86_400_000);
    expect(new Date(rotated.apiKey.expiresAt!).getTime() - new Date(rotated.apiKey.lastActivityAt).getTime()).toBe(90 * 86_400_000);
    offsetMs = 0;
    const [event] = await sql<{ data: Record<string, unknown> }>(server, `select data from event where key_id = ? and type = 'api_key.rotated'`, [
      key.apiKey.id,
    ]);
    expect(event!.data).toMatchObject({ gracePeriodSeconds: 60, apiKey: { id: key.apiKey.id, start: rotated.apiKey.start } });
    const [audit] = await sql<{ changes: Record<string, unknown> }>(
      server,
      `select changes from audit_entry where target_id = ? and action = 'api_key.rotate'`,
      [key.apiKey.id],
    );
    expect(audit!.changes).toMatchObject({ start: { old: key.apiKey.start, new: rotated.apiKey.start } });
    for (const text of [JSON.stringify(event), JSON.stringify(audit)]) {
      expect(text).not.toContain(key.secret);
      expect(text).not.toContain(rotated.secret);
    }
  });

  it('lets a key rotate itself and continue with its new secret', async () => {
    offsetMs = 0;
    const org = await seedOrg(server);
    const key = await createKey(server, org.token);
    const rotated = await rotate(key.token, key.apiKey.id);
    expect(await statusOf(server, key.token)).toBe(401);
    expect(await statusOf(server, rotated.token)).toBe(200);
  });
});
