import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { expect } from 'vitest';
import { createKeyplane, type Keyplane, type KeyplaneOptions } from '../../sdk/src/index.ts';
import { requireKey as expressKey } from '../../sdk/src/middleware/express.ts';
import { requireKey as fastifyKey } from '../../sdk/src/middleware/fastify.ts';
import { requireKey as honoKey, type KeyplaneVariables } from '../../sdk/src/middleware/hono.ts';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { AssignRoles, CreateRole, CreateUser, DefineResource } from '../ops.ts';
import { SNAPSHOTS_PATH, snapshotsRoute } from '../../src/http/sdk-routes.ts';
import { VERIFY_PATH, verifyRoute } from '../../src/http/verify-route.ts';
import type { Route } from '../../src/http/server.ts';
import type { BootstrapResult } from '../../src/modules/bootstrap/bootstrap.service.ts';

export type Counted = TestServer & { calls: { verify: number; snapshots: number }; verifyCalls(): number };

/** A real Keyplane whose verify routes count their calls (the routes themselves are the real ones). */
export async function startCountedServer(config: Record<string, string> = {}): Promise<Counted> {
  const calls = { verify: 0, snapshots: 0 };
  let verify: Route | null = null;
  let snapshots: Route | null = null;
  let server: TestServer | null = null;
  server = await startTestServer({
    config,
    routes: {
      [VERIFY_PATH]: (req, res, meta) => {
        calls.verify++;
        verify ??= verifyRoute(server!.app);
        return verify(req, res, meta);
      },
      [SNAPSHOTS_PATH]: (req, res, meta) => {
        calls.snapshots++;
        snapshots ??= snapshotsRoute(server!.app);
        return snapshots(req, res, meta);
      },
    },
  });
  return Object.assign(server, { calls, verifyCalls: () => calls.verify + calls.snapshots });
}

/** Polls `check` until it holds or `ms` pass; returns how long it took. */
export async function within(ms: number, check: () => boolean | Promise<boolean>, what: string): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function sdk(server: { url: string }, token: string, opts: Partial<KeyplaneOptions> = {}): Keyplane {
  return createKeyplane({ url: server.url, token, reportIntervalMs: 0, ...opts });
}

/** Waits until the SDK's subscription is live (READY received). */
export async function live(kp: Keyplane): Promise<void> {
  await within(10_000, () => kp.stats.feed === 'live', 'the invalidation feed goes live');
}

export type HostScenario = {
  org: BootstrapResult;
  /** The host application's own key (keys:verify and management). */
  kp: Keyplane;
  userId: string;
  roleId: string;
  /** A customer key acting as the user: invoices read+write through the role. */
  token: string;
  keyId: string;
  apiKeyId: string;
};

/**
 * Through the API only: the host's catalogue (invoices, `email` sensitive, read public), a role
 * granting invoices read and write, a service user holding it, and a key for that user.
 */
export async function hostScenario(
  server: TestServer,
  kpOpts: Partial<KeyplaneOptions> = {},
  key: { rateLimit?: { limit: number; windowSeconds: number }; allowedIps?: string[]; kind?: 'SECRET' | 'PUBLISHABLE' } = {},
): Promise<HostScenario> {
  const org = await seedOrg(server);
  success(
    (
      await gql(server, org.token, DefineResource, {
        input: { name: 'invoices', actions: ['read', 'write'], publicActions: ['read'], sensitiveFields: ['email'] },
      })
    ).data!.defineResource,
    'DefineResourceSuccess',
  );
  const role = success(
    (await gql(server, org.token, CreateRole, { input: { name: 'invoice clerk', permissions: ['invoices:read', 'invoices:write'] } })).data!.createRole,
    'CreateRoleSuccess',
  ).role;
  const user = success(
    (await gql(server, org.token, CreateUser, { input: { name: 'billing bot', kind: 'SERVICE' } })).data!.createUser,
    'CreateUserSuccess',
  ).user;
  success((await gql(server, org.token, AssignRoles, { input: { userId: user.id, roles: [{ roleId: role.id }] } })).data!.assignRoles, 'AssignRolesSuccess');
  const kp = sdk(server, org.token, kpOpts);
  const created = await kp.createKey({ name: 'customer key', userId: user.id, kind: key.kind, rateLimit: key.rateLimit, allowedIps: key.allowedIps });
  return { org, kp, userId: user.id, roleId: role.id, token: created.token, keyId: created.apiKey.keyId, apiKeyId: created.apiKey.id };
}

export type Host = { name: string; url: string; close(): Promise<void> };
export type Framework = 'express' | 'fastify' | 'hono';

const INVOICE = (id: string) => ({ id, amount: 120, customer: { name: 'Ada', email: 'ada@example.com' }, email: 'billing@example.com' });

/**
 * A host application on `framework`: GET /invoices/:id needs invoices:read on that invoice,
 * POST /invoices needs invoices:write; both answer JSON (with an `email` a publishable key must
 * not see) and echo the verification's code.
 */
export async function startHost(framework: Framework, kp: Keyplane): Promise<Host> {
  if (framework === 'express') {
    const app = express();
    app.get(
      '/invoices/:id',
      expressKey(kp, { permission: 'invoices:read', resource: (req) => (req as unknown as express.Request).params.id as string }),
      (req, res) => {
        res.json({ ...INVOICE(String(req.params.id)), verification: req.keyplane?.code });
      },
    );
    app.post(
      '/invoices',
      expressKey(kp, { permission: 'invoices:write' }),
      (req, res) => void res.status(201).json({ ...INVOICE('new'), verification: req.keyplane?.code }),
    );
    const server = createServer(app);
    return listen('express', server);
  }
  if (framework === 'fastify') {
    const app = Fastify();
    type R = { params: { id: string }; keyplane?: { code: string } };
    app.get('/invoices/:id', requireFastify(kp, { permission: 'invoices:read', resource: (req) => (req as unknown as R).params.id }), async (req) => ({
      ...INVOICE((req as unknown as R).params.id),
      verification: (req as unknown as R).keyplane?.code,
    }));
    app.post('/invoices', requireFastify(kp, { permission: 'invoices:write' }), async (req, reply) => {
      reply.code(201);
      return { ...INVOICE('new'), verification: (req as unknown as R).keyplane?.code };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    return { name: 'fastify', url: `http://127.0.0.1:${port}`, close: () => app.close() };
  }
  const app = new Hono<{ Variables: KeyplaneVariables }>();
  app.get('/invoices/:id', honoKey(kp, { permission: 'invoices:read', resource: (c) => (c.req.param as (n: string) => string)('id') }) as never, (c) =>
    c.json({ ...INVOICE(c.req.param('id')), verification: c.get('keyplane')?.code }),
  );
  app.post('/invoices', honoKey(kp, { permission: 'invoices:write' }) as never, (c) =>
    c.json({ ...INVOICE('new'), verification: c.get('keyplane')?.code }, 201),
  );
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const port = (server.address() as AddressInfo).port;
  return { name: 'hono', url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

function requireFastify(kp: Keyplane, opts: Parameters<typeof fastifyKey>[1]) {
  return fastifyKey(kp, opts) as never;
}

function listen(name: string, server: Server): Promise<Host> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        name,
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    }),
  );
}

export async function call(host: Host, token: string, path = '/invoices/inv_1', method = 'GET') {
  const res = await fetch(`${host.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { errors?: { message: string; extensions: { code: string } }[] } };
}

export function expectRefused(r: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.errors?.[0]?.extensions.code).toBe(code);
}

/**
 * A TCP proxy in front of Keyplane, to break the network under an SDK: `blackhole()` keeps the
 * connections open but delivers nothing (a silent failure), `cut()` resets every connection,
 * `pass()` forwards again.
 */
export async function startProxy(target: { port: number }) {
  const { createServer: tcp, connect } = await import('node:net');
  let mode: 'pass' | 'blackhole' = 'pass';
  const sockets = new Set<import('node:net').Socket>();
  const server = tcp((client) => {
    const upstream = connect(target.port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (d) => mode === 'pass' && upstream.write(d));
    upstream.on('data', (d) => mode === 'pass' && client.write(d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    blackhole: () => {
      mode = 'blackhole';
    },
    pass: () => {
      mode = 'pass';
    },
    cut: () => {
      for (const s of sockets) s.resetAndDestroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
