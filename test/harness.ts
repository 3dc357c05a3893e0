import type { AddressInfo } from 'node:net';
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { createApp, type App, type AppOptions } from '../src/app.ts';
import type { Command } from '../src/cli/command.ts';
import { loadConfig, type Config } from '../src/config/config.ts';
import { createHttpServer, type Route } from '../src/http/server.ts';
import { createLogger } from '../src/infra/logger.ts';
import { initORM } from '../src/infra/orm.ts';
import { bootstrapOrganization, type BootstrapResult } from '../src/modules/bootstrap/bootstrap.service.ts';
import { testDatabaseUrl, testRedisPrefix, testRedisUrl } from './context.ts';

/**
 * Runs SQL as the database's owner (what migrations run as). The service under test connects as
 * the runtime role, which may not create functions or triggers; tests that need such fixtures
 * use this. Parameters are pg-style ($1, $2, …).
 */
export async function ownerSql<T = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
  // One small pool per worker: a connection per call cost PostgreSQL a backend start each time.
  if (!ownerPool) {
    ownerPool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2, idleTimeoutMillis: 300_000, allowExitOnIdle: true });
    // An idle connection cut (the run's teardown drops the database) is no test's failure.
    ownerPool.on('error', () => {});
  }
  return (await ownerPool.query(query, params)).rows as T[];
}
let ownerPool: pg.Pool | null = null;

/** Config for this test run's database and Redis prefix; `overrides` are env-style strings. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    KEYPLANE_REDIS_PREFIX: testRedisPrefix(),
    KEYPLANE_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: 'true',
    ...overrides,
  });
}

export type TestServer = {
  app: App;
  config: Config;
  url: string;
  port: number;
  close(): Promise<void>;
};

const sharedOrms = new Map<'api' | 'workers', Promise<MikroORM>>();

/**
 * The worker's own database pool, shared by the servers its files start one after another: a new
 * PostgreSQL connection costs about 20 ms of server CPU on this machine, and each app opened
 * several. Only for the worker's database as is (no replica); a test pointing elsewhere (a
 * private PostgreSQL, a proxy it cuts) gets an ORM of its own, closed with its server.
 */
export async function workerOrm(config: Config, role: 'api' | 'workers' = 'api'): Promise<MikroORM | undefined> {
  const standard = testConfig();
  if (config.databaseAppUrl !== standard.databaseAppUrl || config.databaseReplicaUrl) return undefined;
  // The workers' pool apart from the API's, as in production: one cannot starve the other.
  let orm = sharedOrms.get(role);
  if (!orm) {
    // Kept for the whole run: connections idle between files are not closed and opened again.
    orm = initORM(standard.databaseAppUrl, { migrate: false, poolIdleMs: 300_000 });
    orm.catch(() => sharedOrms.delete(role));
    sharedOrms.set(role, orm);
  }
  return orm;
}

/** Starts a full API (HTTP + WebSocket) on a free port against the test database. */
export async function startTestServer(opts: { config?: Record<string, string>; app?: AppOptions; routes?: Record<string, Route> } = {}): Promise<TestServer> {
  const config = testConfig(opts.config);
  const orm = opts.app?.migrate ? undefined : await workerOrm(config);
  const app = await createApp(config, { migrate: false, log: createLogger(config.logLevel), orm, ...opts.app });
  const http = createHttpServer(app, opts.routes);
  await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
  const port = (http.server.address() as AddressInfo).port;
  return {
    app,
    config,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await http.close();
      await app.close();
    },
  };
}

/** A fresh root organisation with an owner key (every built-in permission). */
export async function seedOrg(server: TestServer, name = `Org ${Math.random().toString(36).slice(2, 8)}`): Promise<BootstrapResult> {
  return bootstrapOrganization(server.app.orm, server.config.pepper, name);
}

export type GqlResponse<T> = { status: number; data: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

export type Auth = string | { keyId: string; secret: string } | { header: Record<string, string> } | null;

export function authHeaders(auth: Auth): Record<string, string> {
  if (auth === null) return {};
  if (typeof auth === 'string') return { authorization: `Bearer ${auth}` };
  if ('header' in auth) return auth.header;
  return { authorization: `Basic ${Buffer.from(`${auth.keyId}:${auth.secret}`).toString('base64')}` };
}

/** POSTs an operation; typed when given a codegen'd document. */
export async function gql<TResult, TVars>(
  server: { url: string },
  auth: Auth,
  document: TypedDocumentNode<TResult, TVars> | DocumentNode | string,
  variables?: TVars,
  headers: Record<string, string> = {},
): Promise<GqlResponse<TResult>> {
  const query = typeof document === 'string' ? document : print(document);
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(auth), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: TResult; errors?: GqlResponse<TResult>['errors'] };
  return { status: res.status, data: body.data ?? null, errors: body.errors };
}

/** Narrows a payload union to its success member or fails the test with the error member. */
export function success<T extends { __typename?: string }, N extends string>(payload: T | null | undefined, typename: N): Extract<T, { __typename?: N }> {
  if (!payload || payload.__typename !== typename) throw new Error(`expected ${typename}, got ${JSON.stringify(payload)}`);
  return payload as never;
}

/**
 * Runs an operator command (src/cli) in this process, as `npm run …` would: its exit code and
 * what it wrote. Each CLI is also started once as a process elsewhere (its entry point, npm's
 * wiring); the rest of its behaviour is tested here, without a Node start per case.
 */
export async function runCommand(command: Command, argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await command({ argv, env, out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}
