import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl, testRedisPrefix, testRedisUrl } from '../context.ts';
import { bootstrapCommand } from '../../src/cli/bootstrap.ts';
import { keysCommand } from '../../src/cli/keys.ts';
import { ownerSql, runCommand, startTestServer, type TestServer } from '../harness.ts';
import { verifyHttp } from '../verify/fixtures.ts';

/**
 * Issue 18, item 9: `npm run bootstrap` run twice made a second root organisation silently, and
 * nothing minted a key for an existing one. Bootstrap now refuses an existing name unless told,
 * and `npm run keys -- create --org` mints an owner key for an existing organisation.
 */
const root = new URL('../../', import.meta.url).pathname;
const env = {
  ...process.env,
  NODE_ENV: 'test',
  DATABASE_URL: testDatabaseUrl(),
  REDIS_URL: testRedisUrl(),
  KEYPLANE_REDIS_PREFIX: `${testRedisPrefix()}:cli`,
  KEYPLANE_LOG_LEVEL: 'silent',
};
/** As a process: the entry point, exit code and outputs as an operator sees them. */
const spawnCli = (script: string, args: string[]) => {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const commands = { 'src/cli/bootstrap.ts': bootstrapCommand, 'src/cli/keys.ts': keysCommand };
/** In this process (the same command the script runs). */
const run = (script: keyof typeof commands, args: string[]) => runCommand(commands[script], args, env);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

// Each test starts a CLI process (a Node start: seconds on a loaded 2-core machine).
describe('operator CLIs', { timeout: 60_000 }, () => {
  it('bootstrap refuses an existing root organisation name unless --allow-duplicate', async () => {
    const name = `CLI ${Math.random().toString(36).slice(2, 8)}`;
    const first = spawnCli('src/cli/bootstrap.ts', ['--org', name]);
    expect(first.code, first.err).toBe(0);
    const created = JSON.parse(first.out) as { organizationId: string; token: string };
    const again = await run('src/cli/bootstrap.ts', ['--org', `  ${name} `]);
    expect(again.code).toBe(3);
    expect(again.err).toContain(created.organizationId);
    expect(again.err).toContain('keys -- create --org');
    expect(again.out).toBe('');
    const count = async () =>
      (await ownerSql<{ n: number }>('select count(*)::int as n from organization where parent_id is null and name = $1', [name]))[0]!.n;
    expect(await count()).toBe(1);
    const forced = await run('src/cli/bootstrap.ts', ['--org', name, '--allow-duplicate']);
    expect(forced.code, forced.err).toBe(0);
    expect(await count()).toBe(2);
    const usage = await run('src/cli/bootstrap.ts', []);
    expect(usage).toMatchObject({ code: 2, out: '' });
    expect(usage.err).toContain('usage: npm run bootstrap');
    const bogus = await run('src/cli/bootstrap.ts', ['--org', name, '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.err).toContain("Unknown option '--bogus'");
  });

  it('keys create --org mints an owner key for an existing organisation, printed once', async () => {
    const name = `Keys ${Math.random().toString(36).slice(2, 8)}`;
    const boot = JSON.parse((await run('src/cli/bootstrap.ts', ['--org', name])).out) as { organizationId: string; userId: string; token: string };
    const minted = await run('src/cli/keys.ts', ['create', '--org', boot.organizationId, '--name', 'ops laptop']);
    expect(minted.code, minted.err).toBe(0);
    const key = JSON.parse(minted.out) as { organizationId: string; userId: string; apiKeyId: string; token: string };
    expect(key).toMatchObject({ organizationId: boot.organizationId, userId: boot.userId });
    // It works at once, as the bootstrap key does (acting as the owner).
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.token}` },
      body: JSON.stringify({ query: '{ viewer { organization { id } } }' }),
    });
    expect(await res.json()).toEqual({ data: { viewer: { organization: { id: boot.organizationId } } } });
    // By the root organisation's name too; an unknown one is refused without creating anything.
    expect((await run('src/cli/keys.ts', ['create', '--org', name])).code).toBe(0);
    // A refusal as the operator's shell sees it: exit code 3, the reason, nothing on stdout.
    const unknown = spawnCli('src/cli/keys.ts', ['create', '--org', 'org_doesNotExist00000000']);
    expect(unknown.code).toBe(3);
    expect(unknown.err).toContain('no organisation');
    expect(unknown.out).toBe('');
    expect((await run('src/cli/keys.ts', ['rotate', '--org', name])).code).toBe(2);
    const audit = await ownerSql<{ n: number }>(`select count(*)::int as n from audit_entry where organization_id = $1 and action = 'key.create'`, [
      boot.organizationId,
    ]);
    expect(audit[0]!.n).toBe(2);
    // Owner-level: it may verify keys of its organisation (the owner role holds every permission).
    expect((await verifyHttp(server, key.token, { token: boot.token })).body.code).toBe('VALID');
  });
});
