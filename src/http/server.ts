import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import type { App } from '../app.ts';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../infra/db-errors.ts';
import { type Context, requestReads, type ServerContext } from '../graphql/context.ts';
import { readYourWrites } from '../graphql/read-your-writes.ts';
import { useForwardOnlyConnections } from '../graphql/forward-only.ts';
import { useNodeLimit } from '../graphql/node-limit.ts';
import { schema } from '../graphql/schema.ts';
import type { RequestMeta } from '../modules/principal/actor.ts';
import { Reach } from '../modules/auth/reach.ts';
import { ConsoleSessions } from '../modules/console/console-auth.ts';
import { CONSOLE_PREFIX, createConsoleRoute } from './console-route.ts';
import { createGraphqlWs } from './graphql-ws.ts';
import { GRAPHIQL_ASSETS, graphiqlAsset, renderLocalGraphiQL } from './graphiql.ts';
import { authenticate, UNAUTHENTICATED_BODY } from './request-auth.ts';
import { VERIFY_PATH, verifyRoute } from './verify-route.ts';
import { errorBody, sendError } from './errors.ts';
import { OPENAPI_PATH, openApiRoute } from './openapi.ts';
import { SNAPSHOTS_PATH, snapshotsRoute, VERIFICATIONS_PATH, verificationsRoute } from './sdk-routes.ts';
import { idempotent, IDEMPOTENCY_HEADER } from './idempotency.ts';
import { GITHUB_SCANNING_PATH, githubScanningRoute, REPORT_LEAK_PATH, reportLeakRoute } from './leak-routes.ts';
import { fetchGithubKeys, GithubKeySource } from '../modules/leaks/github-signature.ts';

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Extra routes served before Yoga (the verify fast path registers here). */
export type Route = (req: IncomingMessage, res: ServerResponse, meta: RequestMeta) => Promise<void>;

function requestMeta(req: IncomingMessage): RequestMeta {
  const given = req.headers['x-request-id'];
  const ua = req.headers['user-agent'];
  return {
    requestId: typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID(),
    ip: req.socket.remoteAddress ?? null,
    userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
  };
}

/**
 * The `operation` label of GraphQL metrics: the operation's root field (`apiKeys`, `createApiKey`),
 * `multiple` for several, `other` otherwise. Bounded by the schema, never by what a client names
 * its operations (2,000 client-chosen names once made 32,000 series).
 */
export function operationLabel(document: DocumentNode): { operation: string; type: string } {
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!op) return { operation: 'other', type: 'unknown' };
  const fields = new Set<string>();
  for (const sel of op.selectionSet.selections) {
    if (sel.kind === Kind.FIELD && sel.name.value !== '__typename') fields.add(sel.name.value);
    else if (sel.kind !== Kind.FIELD) return { operation: 'other', type: op.operation };
  }
  const [only] = fields;
  return {
    operation: fields.size === 1 && only ? (only.startsWith('__') ? 'introspection' : only) : fields.size > 1 ? 'multiple' : 'other',
    type: op.operation,
  };
}

function operationMetrics(app: App): Plugin {
  const { metrics } = app;
  return {
    onExecute({ args }) {
      const { operation, type } = operationLabel(args.document);
      const end = metrics.graphqlDuration.startTimer({ operation, type });
      return {
        onExecuteDone({ result }) {
          end();
          const failed = result && 'errors' in result && result.errors?.length;
          metrics.graphqlOperations.inc({ operation, type, outcome: failed ? 'error' : 'ok' });
        },
      };
    },
  };
}

/** A request path as the log may show it: tokens that a client put in it are cut out. */
export function loggablePath(path: string): string {
  return path
    .slice(0, 200)
    .replace(/kp_([a-z]{2})_[A-Za-z0-9_]*/g, 'kp_$1_[redacted]')
    .replace(/cs_[A-Za-z0-9]{20}\.[A-Za-z0-9]+/g, 'cs_[redacted]');
}

export function createHttpServer(
  app: App,
  extraRoutes: Record<string, Route> = {},
): { server: Server; metricsServer: Server | null; close(graceMs?: number): Promise<void> } {
  const { deps, metrics } = app;
  const { config, log } = deps;
  const sessions = new ConsoleSessions(deps);
  const consoleRoute = createConsoleRoute(app, sessions);

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    batching: false,
    // The body is bounded before Yoga sees it (content-length required and checked; Node's parser
    // never reads past it), so Yoga's own size limit, a stream transform per request, is off.
    maxRequestBodySize: false,
    maskedErrors: {
      // An outage of PostgreSQL is the caller's to retry, not an internal error: say so, coded.
      maskError: (error, message, isDev) => {
        const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
        if (isDatabaseUnavailable(original)) return new GraphQLError('The database is unavailable; retry', { extensions: { code: 'UNAVAILABLE' } });
        return maskError(error, message, isDev);
      },
    },
    landingPage: false,
    // Served with its assets from this server (no CDN); the prefilled header is plain ASCII (a
    // browser's fetch refuses any other byte in a header), to be replaced by a key.
    graphiql: config.production ? false : { title: 'Keyplane', headers: JSON.stringify({ Authorization: 'Bearer YOUR_KEY' }) },
    renderGraphiQL: renderLocalGraphiQL,
    logging: {
      debug: (...a) => log.debug({ yoga: a }, 'yoga'),
      info: (...a) => log.info({ yoga: a }, 'yoga'),
      warn: (...a) => log.warn({ yoga: a }, 'yoga'),
      error: (...a) => log.error({ yoga: a.map((x) => (x instanceof Error ? { message: x.message, stack: x.stack } : x)) }, 'yoga error'),
    },
    context: ({ actor, requestId }) => {
      const em = deps.orm.em.fork();
      const ctx: Context = { actor, requestId, em, deps, reach: new Reach(actor, em) };
      ctx.reads = requestReads(ctx);
      return ctx;
    },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 20 },
        maxDirectives: { n: 20 },
        maxTokens: { n: 2000 },
        // Cost is counted in nodes (useNodeLimit), as GitHub does: a field-weighted cost refused
        // ordinary pages such as auditLog(first: 100) with a "Syntax Error".
        costLimit: { enabled: false },
        blockFieldSuggestion: { enabled: config.production },
      }),
      useForwardOnlyConnections(),
      useNodeLimit(),
      readYourWrites(),
      operationMetrics(app),
    ],
  });

  const routes = new Map<string, Route>(
    Object.entries({
      '/': async (req, res) => {
        // A first visit (a browser, or curl) learns where things are instead of a bare 404.
        const links: Record<string, string> = { graphql: '/graphql', console: CONSOLE_PREFIX, openapi: OPENAPI_PATH, health: '/healthz', ready: '/readyz' };
        if (!config.production) links.graphiql = '/graphql (open in a browser)';
        if ((req.headers.accept ?? '').includes('text/html')) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          const items = Object.entries(links)
            .map(([name, href]) => `<li>${name}: <a href="${href.split(' ')[0]}">${href}</a></li>`)
            .join('');
          return void res.end(`<!doctype html><meta charset="utf-8"><title>Keyplane</title><h1>Keyplane</h1><ul>${items}</ul>`);
        }
        json(res, 200, { name: 'Keyplane', links });
      },
      '/healthz': async (_req, res) => json(res, 200, { status: 'ok' }),
      '/readyz': async (_req, res) => {
        // Answers within READY_PROBE_MS whatever the engines do: a load balancer must not wait out an outage.
        const [db, redis] = await Promise.allSettled([
          boundedProbe(deps.orm.em.getConnection().execute('select 1')),
          app.redis.status === 'ready' ? boundedProbe(app.redis.ping()) : Promise.reject(new Error(app.redis.status)),
        ]);
        const body = { postgres: db.status === 'fulfilled' ? 'ok' : 'down', redis: redis.status === 'fulfilled' ? 'ok' : 'down' };
        json(
          res,
          db.status === 'fulfilled' && redis.status === 'fulfilled' ? 200 : 503,
          body,
          db.status === 'fulfilled' && redis.status === 'fulfilled' ? {} : { 'retry-after': '1' },
        );
      },
      // With KEYPLANE_METRICS_PORT, metrics are served by their own listener only (metricsListener).
      ...(config.metricsPort ? {} : { '/metrics': metricsRoute(app) }),
      [VERIFY_PATH]: verifyRoute(app),
      [SNAPSHOTS_PATH]: snapshotsRoute(app),
      [GITHUB_SCANNING_PATH]: githubScanningRoute(
        app,
        new GithubKeySource({ staticKeys: config.githubScanningKeys, fetchKeys: () => fetchGithubKeys(config.githubScanningKeysUrl) }),
      ),
      [REPORT_LEAK_PATH]: reportLeakRoute(app),
      [VERIFICATIONS_PATH]: verificationsRoute(app),
      [OPENAPI_PATH]: openApiRoute(),
      ...extraRoutes,
    } satisfies Record<string, Route>),
  );

  // Graceful shutdown: once draining, requests that still arrive on kept-alive connections get
  // 503 + Retry-After + Connection: close (another replica takes them); those in flight finish,
  // and their connections close after their answer.
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  let drained: (() => void) | null = null;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (draining) {
      res.setHeader('connection', 'close');
      return sendError(res, 503, 'UNAVAILABLE', 'This instance is shutting down; retry', {}, { 'retry-after': '1' });
    }
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (draining && inFlight.size === 0) drained?.();
    });
    const started = performance.now();
    const meta = requestMeta(req);
    res.setHeader('x-request-id', meta.requestId);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const r = routes.get(path);
    const route = r ? path : path === '/graphql' ? '/graphql' : 'other';
    res.on('finish', () => {
      const ms = performance.now() - started;
      metrics.httpRequest(route, res.statusCode, ms / 1000);
      // The verify fast path is the host's per-request call: metrics, not a log line, unless it fails.
      if (route !== VERIFY_PATH || res.statusCode >= 500)
        log.info(
          {
            requestId: meta.requestId,
            method: req.method,
            path: r || path === '/graphql' ? path : loggablePath(path),
            status: res.statusCode,
            ms: Math.round(ms * 10) / 10,
          },
          'request',
        );
    });
    try {
      if (r) return await r(req, res, meta);
      if (path === CONSOLE_PREFIX || path.startsWith(`${CONSOLE_PREFIX}/`)) return await consoleRoute(req, res, meta);
      if (!config.production && req.method === 'GET' && path.startsWith(`${GRAPHIQL_ASSETS}/`) && (await graphiqlAsset(path, res))) return;
      if (path !== '/graphql') return sendError(res, 404, 'NOT_FOUND', `no route ${req.method} ${loggablePath(path)}`);
      if (req.method === 'GET' && !config.production && (req.headers.accept ?? '').includes('text/html') && !req.url?.includes('query='))
        return yoga.handle(req, res, {} as ServerContext); // GraphiQL page; its requests authenticate
      const length = Number(req.headers['content-length'] ?? 0);
      if (req.method === 'POST' && req.headers['content-length'] === undefined) return sendError(res, 411, 'LENGTH_REQUIRED', 'content-length required');
      if (length > config.maxBodyBytes) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the body is limited to ${config.maxBodyBytes} bytes`);
      let actor = authenticate(deps.verifier, req.headers, meta, sessions);
      if (actor instanceof Promise) actor = await actor;
      if (!actor) {
        res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Basic realm="keyplane", Bearer' });
        return void res.end(UNAUTHENTICATED_BODY);
      }
      // Idempotency covers request/response operations; a subscription's event stream is not an answer to keep.
      if (req.method === 'POST' && req.headers[IDEMPOTENCY_HEADER] !== undefined && !(req.headers.accept ?? '').includes('text/event-stream')) {
        const caller = actor;
        return await idempotent(req, res, {
          orm: deps.orm,
          callerId: caller.key.id,
          maxBodyBytes: config.maxBodyBytes,
          run: async (body) => {
            const request = new Request(`http://${req.headers.host ?? 'localhost'}/graphql`, {
              method: 'POST',
              headers: { 'content-type': req.headers['content-type'] ?? 'application/json', accept: req.headers.accept ?? 'application/json' },
              body: new Uint8Array(body),
            });
            const answer = await yoga.fetch(request, { actor: caller, requestId: meta.requestId });
            return { status: answer.status, contentType: answer.headers.get('content-type') ?? 'application/json', body: await answer.text() };
          },
        });
      }
      return await yoga.handle(req, res, { actor, requestId: meta.requestId });
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        // Authenticating an uncached caller needs PostgreSQL: a retryable outage, not a bug.
        log.warn({ err: { message: (err as Error).message }, requestId: meta.requestId }, 'database unavailable');
        if (!res.headersSent)
          return sendError(res, 503, 'UNAVAILABLE', 'The database is unavailable; retry', {}, { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
        return void res.destroy();
      }
      log.error({ err, requestId: meta.requestId }, 'unhandled request error');
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'internal error', { requestId: meta.requestId });
      else res.destroy();
    }
  };

  const server = createServer(
    {
      requestTimeout: config.httpRequestTimeoutMs,
      headersTimeout: config.httpHeadersTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default, so a 10 s limit fired after up to 40 s).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.httpHeadersTimeoutMs / 4))),
      maxHeaderSize: 16_384,
    },
    (req, res) => void handle(req, res),
  );
  server.keepAliveTimeout = 65_000;
  // Beyond this many open connections (HTTP and WebSocket) new ones are closed at once.
  server.maxConnections = config.maxConnections;

  const ws = createGraphqlWs(app, yoga, sessions, server, requestMeta);

  const metricsServer = config.metricsPort ? metricsListener(app) : null;

  return {
    server,
    metricsServer,
    async close(graceMs = 10_000) {
      draining = true;
      // No new connections; idle kept-alive ones close now, busy ones after their answer.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      await ws.close();
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      if (inFlight.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          new Promise<void>((resolve) => {
            drained = resolve;
          }),
          new Promise<void>((resolve) => {
            timer = setTimeout(() => resolve(), graceMs);
          }),
        ]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * Prometheus metrics. With KEYPLANE_METRICS_TOKEN set, only `Authorization: Bearer <token>`
 * (compared in constant time) gets them: series names and counts tell an outsider about traffic.
 */
function metricsRoute(app: App): Route {
  const { metrics, deps } = app;
  const token = deps.config.metricsToken ? Buffer.from(`Bearer ${deps.config.metricsToken}`) : null;
  return async (req, res) => {
    if (token) {
      const given = Buffer.from(typeof req.headers.authorization === 'string' ? req.headers.authorization.slice(0, 600) : '');
      if (given.length !== token.length || !timingSafeEqual(given, token)) {
        res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' });
        return void res.end(errorBody('UNAUTHENTICATED', 'metrics need Authorization: Bearer <KEYPLANE_METRICS_TOKEN>'));
      }
    }
    metrics.keyCacheSize.set(deps.verifier.cache.size);
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(await metrics.registry.metrics());
  };
}

/** GET /metrics on a port of its own (KEYPLANE_METRICS_PORT), e.g. reachable only from inside the cluster. */
function metricsListener(app: App): Server {
  const { config, log } = app.deps;
  const route = metricsRoute(app);
  const server = createServer({ headersTimeout: 5000, requestTimeout: 10_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return sendError(res, 404, 'NOT_FOUND', 'only /metrics is served here');
    route(req, res, requestMeta(req)).catch((err: unknown) => {
      log.error({ err }, 'metrics failed');
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'internal error');
    });
  });
  server.listen(config.metricsPort, config.host, () => log.info({ port: config.metricsPort }, 'metrics listening'));
  return server;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** How long /readyz waits for an engine to answer. */
const READY_PROBE_MS = 500;

function boundedProbe<T>(p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READY_PROBE_MS} ms`)), READY_PROBE_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
