import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.ts';
import { gql, ownerSql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { createKey, sql, statusOf } from './helpers.ts';
import { CreateApiKey, DeleteApiKey, RevokeApiKey, RotateApiKey, UpdateApiKey } from './ops.ts';

// Names this file's trigger refuses: the mutation gets past every check and fails at flush.
const suffix = Math.random().toString(36).slice(2, 8);
const REFUSE_INSERT = `refuse-insert-${suffix}`;
const FROZEN = `frozen-${suffix}`;

const lines: string[] = [];
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    app: {
      log: createLogger(
        'trace',
        new Writable({
          write(chunk, _e, cb) {
            lines.push(String(chunk));
            cb();
          },
        }),
      ),
    },
  });
  await ownerSql(
    `create function test_refuse_${suffix}() returns trigger language plpgsql as $$
     begin
       if (tg_op = 'INSERT' and new.name = '${REFUSE_INSERT}') or (tg_op = 'UPDATE' and old.name = '${FROZEN}') then
         raise exception 'refused by test trigger';
       end if;
       return new;
     end $$`,
  );
  await ownerSql(`create trigger test_refuse_${suffix} before insert or update on api_key for each row execute function test_refuse_${suffix}()`);
});
afterAll(async () => {
  await ownerSql(`drop trigger if exists test_refuse_${suffix} on api_key`);
  await ownerSql(`drop function if exists test_refuse_${suffix}()`);
  await server.close();
});

async function footprint(organizationId: string) {
  const [row] = await sql<{ events: number; audit: number; keys: number }>(
    server,
    `select (select count(*) from event where organization_id = ?)::int as events,
            (select count(*) from audit_entry where organization_id = ?)::int as audit,
            (select count(*) from api_key where organization_id = ?)::int as keys`,
    [organizationId, organizationId, organizationId],
  );
  return row!;
}

describe('one transaction per mutation', () => {
  it('a create that fails at flush leaves no key, no event and no audit entry', async () => {
    const org = await seedOrg(server);
    const before = await footprint(org.organizationId);
    const res = await gql(server, org.token, CreateApiKey, { input: { name: REFUSE_INSERT } });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.message).toBe('Unexpected error.');
    expect(await footprint(org.organizationId)).toEqual(before);
    expect(await sql(server, 'select id from api_key where name = ?', [REFUSE_INSERT])).toEqual([]);
  });

  it('update, rotate, revoke and delete that fail at flush change nothing, and the key keeps working', async () => {
    const org = await seedOrg(server);
    const key = await createKey(server, org.token, { name: FROZEN });
    expect(await statusOf(server, key.token)).toBe(200); // cached
    const [rowBefore] = await sql(server, 'select * from api_key where id = ?', [key.apiKey.id]);
    const before = await footprint(org.organizationId);
    lines.length = 0;
    const attempts = [
      await gql(server, org.token, UpdateApiKey, { input: { id: key.apiKey.id, description: 'changed', allowedIps: ['10.9.9.9'] } }),
      await gql(server, org.token, RotateApiKey, { input: { id: key.apiKey.id, gracePeriodSeconds: 60 } }),
      await gql(server, org.token, RevokeApiKey, { input: { id: key.apiKey.id, reason: 'nope' } }),
      await gql(server, org.token, DeleteApiKey, { input: { id: key.apiKey.id } }),
    ];
    for (const res of attempts) {
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.message).toBe('Unexpected error.');
    }
    expect(await sql(server, 'select * from api_key where id = ?', [key.apiKey.id])).toEqual([rowBefore]);
    expect(await footprint(org.organizationId)).toEqual(before);
    expect(await statusOf(server, key.token)).toBe(200);
    // The failed statements (with the key's hash as a parameter) are not written to the log.
    const hash = (rowBefore as { secret_hash: Buffer }).secret_hash;
    const all = lines.join('');
    expect(all).toContain('refused by test trigger');
    expect(all).not.toContain(hash.toString('hex'));
    expect(all).not.toContain(hash.toString('base64'));
    expect(all).not.toContain(key.secret);
  });
});
