import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { CreateUser, UpdateUser } from '../ops.ts';
import { CreateConsoleSession } from './ops.ts';
import { mintLink, openLink, postLinkToken } from './session.ts';

function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let server: TestServer;
let emptyDir: string;
beforeAll(async () => {
  // No console build in this folder: the static part answers 503, everything else works.
  emptyDir = mkdtempSync(join(tmpdir(), 'kp-console-empty-'));
  server = await startTestServer({ config: { KEYPLANE_CONSOLE_DIR: emptyDir } });
});
afterAll(async () => {
  await server.close();
  rmSync(emptyDir, { recursive: true, force: true });
});

describe('createConsoleSession errors', () => {
  it('an unknown or oversized user id is a NotFoundError', async () => {
    const org = await seedOrg(server);
    const res = await gql(server, org.token, CreateConsoleSession, { input: { userId: 'usr_doesnotexist0000000' } });
    expect(res.data?.createConsoleSession.__typename).toBe('NotFoundError');
    const long = await gql(server, org.token, CreateConsoleSession, { input: { userId: 'x'.repeat(500) } });
    expect(long.data?.createConsoleSession.__typename).toBe('ValidationError');
  });

  it('a deleted or disabled user gets no link (ConflictError)', async () => {
    const org = await seedOrg(server);
    for (const status of ['DISABLED', 'DELETED'] as const) {
      const user = success((await gql(server, org.token, CreateUser, { input: { name: `Leaver ${status}` } })).data?.createUser, 'CreateUserSuccess').user;
      success((await gql(server, org.token, UpdateUser, { input: { id: user.id, status } })).data?.updateUser, 'UpdateUserSuccess');
      const res = await gql(server, org.token, CreateConsoleSession, { input: { userId: user.id } });
      expect(res.data?.createConsoleSession.__typename, status).toBe('ConflictError');
    }
  });

  it('a bad return path names the field', async () => {
    const org = await seedOrg(server);
    const res = await gql(server, org.token, CreateConsoleSession, { input: { userId: org.userId, returnPath: 'https://elsewhere.example/' } });
    const err = res.data?.createConsoleSession;
    expect(err?.__typename).toBe('ValidationError');
    if (err?.__typename === 'ValidationError') expect(err.fields.map((f) => f.path)).toEqual(['input.returnPath']);
  });

  it('a link whose user was disabled before the exchange is refused', async () => {
    const org = await seedOrg(server);
    const url = await mintLink(server, org.token, org.userId);
    success((await gql(server, org.token, UpdateUser, { input: { id: org.userId, status: 'DISABLED' } })).data?.updateUser, 'UpdateUserSuccess');
    expect((await openLink(url)).status).toBe(401);
  });
});

describe('console routes errors', () => {
  it('the sign-in form takes only a small urlencoded body', async () => {
    const org = await seedOrg(server);
    const url = await mintLink(server, org.token, org.userId);
    const token = new URL(url).searchParams.get('token')!;
    const json = await fetch(`${server.url}/console/auth`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(json.status).toBe(415);
    const big = await fetch(`${server.url}/console/auth`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, pad: 'x'.repeat(4000) }).toString(),
    });
    expect(big.status).toBe(413);
    // Neither used the link.
    expect((await openLink(url)).status).toBe(303);
  });

  it('wrong methods are 405, a missing token 401, logout without a session 401', async () => {
    const put = await fetch(`${server.url}/console/auth`, { method: 'PUT', headers: { 'content-length': '0' } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await fetch(`${server.url}/console/logout`)).status).toBe(405);
    expect((await fetch(`${server.url}/console/`, { method: 'DELETE' })).status).toBe(405);
    expect((await openLink(`${server.url}/console/auth`)).status).toBe(401);
    expect((await postLinkToken(`${server.url}/console/auth`)).status).toBe(401);
    const out = await fetch(`${server.url}/console/logout`, { method: 'POST', headers: { 'content-length': '0' } });
    expect(out.status).toBe(401);
    expect((await out.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('without a build the console says how to build it (503), with the same security headers', async () => {
    const res = await fetch(`${server.url}/console/keys`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run console:build');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('paths that try to leave the build folder are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    const s = await startTestServer({ config: { KEYPLANE_CONSOLE_DIR: join(dir) } });
    try {
      // Raw requests: a WHATWG client would normalise the dot segments away before sending.
      for (const p of [
        '/console/..%2f..%2fpackage.json',
        '/console/%2e%2e/%2e%2e/package.json',
        '/console/../../package.json',
        '/console/a%5c..%5cpackage.json',
        '/console/%E0%A4%A',
      ]) {
        const { status, body } = await rawGet(s.port, p);
        expect(status, p).toBe(400);
        expect(body).not.toContain('keyplane');
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
