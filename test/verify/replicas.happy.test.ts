import { freePort } from '../engines.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import type { BootstrapResult } from '../../src/modules/bootstrap/bootstrap.service.ts';
import { makeKey, makeUser, verifyHttp, type VerifyInput } from './fixtures.ts';
import { testDatabaseUrl, testRedisPrefix, testRedisUrl } from '../context.ts';

/**
 * Two API processes (the real entry point, src/main.ts) on two ports, sharing PostgreSQL and
 * Redis, as replicas behind a load balancer would. The in-process server only seeds data.
 */
const root = new URL('../../', import.meta.url).pathname;
const prefix = `${testRedisPrefix()}:replicas`;
let seeder: TestServer;
const replicas: { url: string; child: ChildProcess; output: () => string }[] = [];

async function startReplica(): Promise<(typeof replicas)[number]> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: testDatabaseUrl(),
      REDIS_URL: testRedisUrl(),
      KEYPLANE_REDIS_PREFIX: prefix,
      KEYPLANE_LOG_LEVEL: 'warn',
    },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica exited: ${out}`);
    if (Date.now() - started > 60_000) throw new Error(`replica did not start: ${out}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child, output: () => out };
}

beforeAll(async () => {
  seeder = await startTestServer({ config: { KEYPLANE_REDIS_PREFIX: prefix } });
  replicas.push(...(await Promise.all([startReplica(), startReplica()])));
}, 90_000);

afterAll(async () => {
  await Promise.all(
    replicas.map(
      (r) =>
        new Promise<void>((resolve) => {
          if (r.child.exitCode !== null) return resolve();
          r.child.once('exit', () => resolve());
          r.child.kill('SIGTERM');
          setTimeout(() => r.child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  await seeder?.close();
});

/** Polls `replica` until the verification answers `code`; returns the milliseconds it took. */
async function refusedWithin(replica: { url: string }, host: BootstrapResult, input: VerifyInput, code: string, limitMs = 1000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const r = await verifyHttp(replica, host.token, input);
    const elapsed = performance.now() - started;
    if (r.body.code === code) return elapsed;
    if (elapsed > limitMs * 3) throw new Error(`still ${r.body.code} after ${Math.round(elapsed)} ms`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

describe('two API processes sharing PostgreSQL and Redis', () => {
  it('a key revoked through one is refused by the other within 1 s (verifyKey and request authentication)', async () => {
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const org = await seedOrg(seeder);
    const { userId } = await makeUser(seeder.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(seeder.app.orm, seeder.config.pepper, { organizationId: org.organizationId, userId });
    // Warm B's cache, with the key as a verified key and as a caller.
    expect((await verifyHttp(b, org.token, { token: key.token })).body.code).toBe('VALID');
    expect((await gql(b, key.token, '{ viewer { user { id } } }')).status).toBe(200);

    const res = await gql(a, org.token, 'mutation($id: ID!) { revokeApiKey(input: { id: $id, reason: "leaked" }) { __typename } }', { id: key.id });
    success((res.data as { revokeApiKey: { __typename: string } }).revokeApiKey, 'RevokeApiKeySuccess');
    const ms = await refusedWithin(b, org, { token: key.token }, 'REVOKED');
    expect(ms).toBeLessThan(1000);
    expect((await gql(b, key.token, '{ viewer { user { id } } }')).status).toBe(401);
  });

  it('a user disabled through one: their key is refused by the other within 1 s', async () => {
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const org = await seedOrg(seeder);
    const { userId } = await makeUser(seeder.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(seeder.app.orm, seeder.config.pepper, { organizationId: org.organizationId, userId });
    expect((await verifyHttp(b, org.token, { token: key.token })).body.code).toBe('VALID');

    const res = await gql(a, org.token, 'mutation($id: ID!) { updateUser(input: { id: $id, status: DISABLED }) { __typename } }', { id: userId });
    success((res.data as { updateUser: { __typename: string } }).updateUser, 'UpdateUserSuccess');
    expect(await refusedWithin(b, org, { token: key.token }, 'USER_DISABLED')).toBeLessThan(1000);
  });

  it('a role narrowed through one: the other refuses the removed permission within 1 s', async () => {
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const org = await seedOrg(seeder);
    const { userId, roleId } = await makeUser(seeder.app.orm, org.organizationId, ['keys:read', 'events:read']);
    const key = await makeKey(seeder.app.orm, seeder.config.pepper, { organizationId: org.organizationId, userId });
    expect((await verifyHttp(b, org.token, { token: key.token, permission: 'events:read' })).body.code).toBe('VALID');

    const res = await gql(a, org.token, 'mutation($id: ID!) { updateRole(input: { id: $id, permissions: ["keys:read"] }) { __typename } }', { id: roleId });
    success((res.data as { updateRole: { __typename: string } }).updateRole, 'UpdateRoleSuccess');
    expect(await refusedWithin(b, org, { token: key.token, permission: 'events:read' }, 'INSUFFICIENT_PERMISSIONS')).toBeLessThan(1000);
    expect((await verifyHttp(b, org.token, { token: key.token, permission: 'keys:read' })).body.code).toBe('VALID');
  });

  it('a key created through one is valid on the other at once', async () => {
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const org = await seedOrg(seeder);
    // B's key id filter is built; the new key reaches it by announcement, not by a rebuild.
    expect((await verifyHttp(b, org.token, { token: org.token })).body.code).toBe('VALID');
    const res = await gql(a, org.token, 'mutation { createApiKey(input: { name: "fresh" }) { __typename ... on CreateApiKeySuccess { token } } }');
    const created = (res.data as { createApiKey: { __typename: string; token?: string } }).createApiKey;
    expect(created.__typename).toBe('CreateApiKeySuccess');
    expect((await verifyHttp(b, org.token, { token: created.token! })).body.code).toBe('VALID');
  });

  it('a rate limit of 10 per minute holds across both: the 11th call fails', async () => {
    const org = await seedOrg(seeder);
    const { userId } = await makeUser(seeder.app.orm, org.organizationId, ['keys:read']);
    const key = await makeKey(seeder.app.orm, seeder.config.pepper, {
      organizationId: org.organizationId,
      userId,
      rateLimit: { limit: 10, windowSeconds: 60 },
    });
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) codes.push((await verifyHttp(replicas[i % 2]!, org.token, { token: key.token })).body.code);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill('VALID'));
    expect(codes.slice(10)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    // And concurrently: a fresh key, 30 calls at once spread over both, exactly 10 pass.
    const burst = await makeKey(seeder.app.orm, seeder.config.pepper, {
      organizationId: org.organizationId,
      userId,
      rateLimit: { limit: 10, windowSeconds: 60 },
    });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => verifyHttp(replicas[i % 2]!, org.token, { token: burst.token })));
    expect(answers.filter((r) => r.body.code === 'VALID')).toHaveLength(10);
    expect(answers.filter((r) => r.body.code === 'RATE_LIMITED')).toHaveLength(20);
  });
});
