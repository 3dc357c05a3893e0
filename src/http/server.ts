import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createYoga, type Plugin } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { App } from '../app.ts';
import type { Context } from '../graphql/context.ts';
import { useForwardOnlyConnections } from '../graphql/forward-only.ts';
import { schema } from '../graphql/schema.ts';
import type { Actor, RequestMeta } from '../modules/auth/actor.ts';
import { ConsoleSessions } from '../modules/console/console-auth.ts';
import { CONSOLE_PREFIX, createConsoleRoute } from './console-route.ts';
import { authenticate, UNAUTHENTICATED_BODY } from './request-auth.ts';
import { VERIFY_PATH, verifyRoute } from './verify-route.ts';

type ServerContext = { actor: Actor; requestId: string };

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

function operationMetrics(app: App): Plugin {
  const { metrics } = app;
  return {
    onExecute({ args }) {
      const op = args.document.definitions.find((d: { kind: string }) => d.kind === 'OperationDefinition');
      const type = op && 'operation' in op ? op.operation : 'unknown';
      const name = (args.operationName ?? (op && 'name' in op ? op.name?.value : undefined) ?? 'anonymous').slice(0, 64);
      const end = metrics.graphqlDuration.startTimer({ operation: name, type });
      return {
        onExecuteDone({ result }) {
          end();
          const failed = result && 'errors' in result && result.errors?.length;
          metrics.graphqlOperations.inc({ operation: name, type, outcome: failed ? 'error' : 'ok' });
        },
      };
    },
  };
}

export function createHttpServer(app: App, extraRoutes: Record<string, Route> = {}): { server: Server; close(): Promise<void> } {
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
    maskedErrors: true,
    landingPage: false,
    graphiql: config.production ? false : { title: 'Keyplane', headers: JSON.stringify({ Authorization: 'Bearer kp_sk_…' }) },
    logging: {
      debug: (...a) => log.debug({ yoga: a }, 'yoga'),
      info: (...a) => log.info({ yoga: a }, 'yoga'),
      warn: (...a) => log.warn({ yoga: a }, 'yoga'),
      error: (...a) => log.error({ yoga: a.map((x) => (x instanceof Error ? { message: x.message, stack: x.stack } : x)) }, 'yoga error'),
    },
    context: ({ actor, requestId }) => ({ actor, requestId, em: deps.orm.em.fork(), deps }),
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 20 },
        maxDirectives: { n: 20 },
        maxTokens: { n: 2000 },
        costLimit: { maxCost: 5000 },
        blockFieldSuggestion: { enabled: config.production },
      }),
      useForwardOnlyConnections(),
      operationMetrics(app),
    ],
  });

  const routes = new Map<string, Route>(Object.entries({
    '/healthz': async (_req, res) => json(res, 200, { status: 'ok' }),
    '/readyz': async (_req, res) => {
      const [db, redis] = await Promise.allSettled([deps.orm.em.getConnection().execute('select 1'), app.redis.ping()]);
      const body = { postgres: db.status === 'fulfilled' ? 'ok' : 'down', redis: redis.status === 'fulfilled' ? 'ok' : 'down' };
      json(res, db.status === 'fulfilled' && redis.status === 'fulfilled' ? 200 : 503, body);
    },
    '/metrics': async (_req, res) => {
      metrics.keyCacheSize.set(deps.verifier.cache.size);
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
    },
    [VERIFY_PATH]: verifyRoute(app),
    ...extraRoutes,
  } satisfies Record<string, Route>));

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
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
        log.info({ requestId: meta.requestId, method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    try {
      if (r) return await r(req, res, meta);
      if (path === CONSOLE_PREFIX || path.startsWith(`${CONSOLE_PREFIX}/`)) return await consoleRoute(req, res, meta);
      if (path !== '/graphql') return json(res, 404, { error: 'not found' });
      if (req.method === 'GET' && !config.production && (req.headers.accept ?? '').includes('text/html') && !req.url?.includes('query='))
        return yoga.handle(req, res, {} as ServerContext); // GraphiQL page; its requests authenticate
      const length = Number(req.headers['content-length'] ?? 0);
      if (req.method === 'POST' && req.headers['content-length'] === undefined) return json(res, 411, { error: 'content-length required' });
      if (length > config.maxBodyBytes) return json(res, 413, { error: 'request body too large' });
      let actor = authenticate(deps.verifier, req.headers, meta, sessions);
      if (actor instanceof Promise) actor = await actor;
      if (!actor) {
        res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Basic realm="keyplane", Bearer' });
        return void res.end(UNAUTHENTICATED_BODY);
      }
      return await yoga.handle(req, res, { actor, requestId: meta.requestId });
    } catch (err) {
      log.error({ err, requestId: meta.requestId }, 'unhandled request error');
      if (!res.headersSent) json(res, 500, { error: 'internal error', requestId: meta.requestId });
      else res.destroy();
    }
  };

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16_384 }, (req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000;

  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 64 * 1024 });
  const wsServer = useServer<Record<string, unknown>, { actor?: Actor; meta?: RequestMeta; request: IncomingMessage; socket: unknown }>(
    {
      execute: (args: any) => args.rootValue.execute(args),
      subscribe: (args: any) => args.rootValue.subscribe(args),
      onConnect: async (ctx) => {
        const params = Object.fromEntries(Object.entries(ctx.connectionParams ?? {}).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? v : undefined]));
        const meta = requestMeta(ctx.extra.request);
        // The console's browser socket carries its session cookie and sends the CSRF token as a connection param.
        const actor = await authenticate(deps.verifier, { ...params, cookie: ctx.extra.request.headers.cookie }, meta, sessions);
        if (!actor) {
          (ctx.extra.socket as { close(code: number, reason: string): void }).close(4401, 'Unauthorized');
          return false;
        }
        ctx.extra.actor = actor;
        ctx.extra.meta = meta;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { schema: s, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          actor: ctx.extra.actor,
          requestId: ctx.extra.meta?.requestId ?? randomUUID(),
        });
        const args = {
          schema: s,
          operationName: payload.operationName,
          document: parse(payload.query),
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args as never;
      },
    },
    wss,
  );

  return {
    server,
    async close() {
      await wsServer.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
