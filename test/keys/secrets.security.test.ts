import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { DefineResource } from '../ops.ts';
import { createKey, sql } from './helpers.ts';
import { CreateApiKey, DeleteApiKey, RevokeApiKey, RotateApiKey, UpdateApiKey } from './ops.ts';

const lines: string[] = [];
let server: TestServer;
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _e, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  server = await startTestServer({ app: { log: createLogger('trace', sink) } });
});
afterAll(() => server.close());

describe('secrets never leave the response that shows them', () => {
  it('no audit entry, event row or log line (trace level) contains a secret, token or hash seen', async () => {
    const seen: { keyId: string; secret: string; token: string }[] = [];
    const org = await seedOrg(server);
    seen.push({ keyId: org.keyId, secret: org.secret, token: org.token });
    success(
      (await gql(server, org.token, DefineResource, { input: { name: 'attendees', publicActions: ['read'] } })).data?.defineResource,
      'DefineResourceSuccess',
    );

    const issued = [
      await createKey(server, org.token, { name: 'secret kind', metadata: { note: 'hello' } }),
      await createKey(server, org.token, { name: 'publishable kind', kind: 'PUBLISHABLE' }),
      await createKey(server, org.token, { name: 'integration kind', kind: 'INTEGRATION', permissions: [{ permission: 'events:read' }] }),
    ];
    issued.push(await createKey(server, issued[0]!.token, { name: 'made by a key' }));
    for (const k of issued) seen.push({ keyId: k.apiKey.keyId, secret: k.secret, token: k.token });

    const rotatedTokens: string[] = [];
    for (const [i, k] of issued.entries()) {
      const rotated = success(
        (await gql(server, org.token, RotateApiKey, { input: { id: k.apiKey.id, gracePeriodSeconds: i * 30 } })).data?.rotateApiKey,
        'RotateApiKeySuccess',
      );
      seen.push({ keyId: rotated.apiKey.keyId, secret: rotated.secret, token: rotated.token });
      rotatedTokens.push(rotated.token);
    }
    const again = success(
      (await gql(server, rotatedTokens[0]!, RotateApiKey, { input: { id: issued[1]!.apiKey.id } })).data?.rotateApiKey,
      'RotateApiKeySuccess',
    );
    seen.push({ keyId: again.apiKey.keyId, secret: again.secret, token: again.token });

    // Use every credential every way, successfully and not, and make some mutations fail.
    for (const s of seen) {
      await gql(server, s.token, '{ viewer { apiKey { id } } }');
      await gql(server, { keyId: s.keyId, secret: s.secret }, '{ viewer { apiKey { id } } }');
      await gql(server, { header: { 'x-api-key': s.token } }, '{ viewer { apiKey { id } } }');
      await gql(server, org.token, 'mutation($t: String) { verifyKey(input: { token: $t }) { valid code } }', { t: s.token });
      await gql(server, org.token, 'mutation($k: String, $s: String) { verifyKey(input: { keyId: $k, secret: $s }) { valid } }', { k: s.keyId, s: s.secret });
    }
    await gql(server, org.token, CreateApiKey, { input: { name: '', metadata: { secret: seen[1]!.secret } } });
    await gql(server, org.token, UpdateApiKey, { input: { id: issued[0]!.apiKey.id, metadata: { token: seen[2]!.token }, allowedIps: ['bad ip'] } });
    success((await gql(server, org.token, UpdateApiKey, { input: { id: issued[3]!.apiKey.id, name: 'renamed' } })).data?.updateApiKey, 'UpdateApiKeySuccess');
    success(
      (await gql(server, org.token, RevokeApiKey, { input: { id: issued[2]!.apiKey.id, reason: 'rotation drill' } })).data?.revokeApiKey,
      'RevokeApiKeySuccess',
    );
    success((await gql(server, org.token, DeleteApiKey, { input: { id: issued[3]!.apiKey.id } })).data?.deleteApiKey, 'DeleteApiKeySuccess');

    const hashes = await sql<{ secret_hash: Buffer; previous_secret_hash: Buffer | null }>(
      server,
      'select secret_hash, previous_secret_hash from api_key where organization_id = ?',
      [org.organizationId],
    );
    const needles = [
      ...seen.flatMap((s) => [s.secret, s.secret.slice(0, 24), s.secret.slice(-30), s.token, Buffer.from(`${s.keyId}:${s.secret}`).toString('base64')]),
      ...hashes.flatMap((h) =>
        [h.secret_hash, h.previous_secret_hash].filter((b): b is Buffer => b !== null).flatMap((b) => [b.toString('hex'), b.toString('base64')]),
      ),
    ];
    expect(seen).toHaveLength(10);
    expect(new Set(seen.map((s) => s.secret)).size).toBe(10);

    const audit = (await sql(server, 'select * from audit_entry')).map((r) => JSON.stringify(r));
    const events = (await sql(server, 'select * from event')).map((r) => JSON.stringify(r));
    const haystacks: [string, string[]][] = [
      ['audit_entry', audit],
      ['event', events],
      ['log', lines],
    ];
    // The scan looks at real material: entries for every change, and request logs at trace level.
    expect(audit.filter((a) => a.includes('api_key.rotate') && a.includes(org.organizationId)).length).toBe(5);
    expect(events.filter((e) => e.includes('api_key.'))).not.toHaveLength(0);
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.some((l) => l.includes('"level":10') || l.includes('"level":20'))).toBe(true);

    const found: string[] = [];
    for (const [where, rows] of haystacks)
      for (const row of rows) for (const n of needles) if (row.includes(n)) found.push(`${where}: ${n.slice(0, 12)}… in ${row.slice(0, 120)}`);
    expect(found).toEqual([]);
  });
});
