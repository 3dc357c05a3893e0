import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { App } from '../app.ts';
import type { Context, ServerContext } from '../graphql/context.ts';
import type { Actor, RequestMeta } from '../modules/principal/actor.ts';
import { CLOSE_UNAUTHENTICATED, invalidatedBecause } from '../modules/principal/principal-check.ts';
import type { ConsoleSessions } from '../modules/console/console-auth.ts';
import type { Invalidation } from '../modules/verification/key-cache.ts';
import { pathIds } from '../modules/principal/key-record.ts';
import { authenticate } from './request-auth.ts';

type EnvelopedRoot = {
  execute: (args: ExecutionArgs) => ReturnType<typeof import('graphql').execute>;
  subscribe: (args: ExecutionArgs) => ReturnType<typeof import('graphql').subscribe>;
};

/** What authenticates a socket: the credential headers it connected with, kept to re-authenticate. */
type Credentials = Record<string, string | undefined>;
type Extra = { request: IncomingMessage; socket: WebSocket; actor?: Actor; meta?: RequestMeta; credentials?: Credentials };

const MAX_PARAM = 8192;
/** How long an invalidated socket stays open for its subscriptions' final messages. */
const CLOSE_GRACE_MS = 150;

/**
 * The credential a graphql-ws client sends in `connectionParams`, in any of the shapes clients
 * use: `{ authorization }` / `{ "X-API-Key" }` (any case), `{ headers: { Authorization } }`, or
 * `{ token }` (a bearer token). The console's browser socket adds its CSRF token as a param and
 * carries its session cookie on the upgrade request.
 */
export function credentialsOf(params: Record<string, unknown> | undefined, request: IncomingMessage): Credentials {
  const out: Credentials = {};
  const take = (source: unknown) => {
    if (typeof source !== 'object' || source === null || Array.isArray(source)) return;
    for (const [k, v] of Object.entries(source)) if (typeof v === 'string' && v.length <= MAX_PARAM) out[k.toLowerCase()] = v;
  };
  take((params as { headers?: unknown } | undefined)?.headers);
  take(params);
  delete out.headers;
  const token = out.token;
  delete out.token;
  if (token && !out.authorization && !out['x-api-key']) out.authorization = `Bearer ${token}`;
  const cookie = request.headers.cookie;
  if (typeof cookie === 'string') out.cookie = cookie;
  return out;
}

/** Does this invalidation concern the principal a socket acts as? (The cache's own rule.) */
function concerns(inv: Invalidation, actor: Actor): boolean {
  const k = actor.key;
  switch (inv.scope) {
    case 'key':
      return inv.keyId === k.keyId;
    case 'user':
      return inv.userId === k.userId;
    case 'org':
      return pathIds(k.organizationPath).includes(inv.organizationId) || pathIds(k.userOrganizationPath).includes(inv.organizationId);
    case 'all':
      return true;
  }
}

/**
 * graphql-ws on the API's port, authenticated like HTTP on every operation: the connection's
 * credentials are checked at connect and again for each operation (a warm key costs one cache
 * lookup and an HMAC), so an operation never runs with rights the principal no longer has. When
 * a key, user, session or organisation changes (the invalidation every replica receives), the
 * sockets it concerns re-check their principal and close (4401 no longer authenticates, 4403 may
 * no longer act) within the time pub/sub takes.
 */
export function createGraphqlWs(
  app: App,
  yoga: YogaServerInstance<ServerContext, Context>,
  sessions: ConsoleSessions,
  server: Server,
  requestMeta: (req: IncomingMessage) => RequestMeta,
) {
  const { deps } = app;
  const open = new Map<WebSocket, Extra>();
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 64 * 1024 });

  const close = (socket: WebSocket, code: number, reason: string, graceMs = 0) => {
    open.delete(socket);
    const shut = () => {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason.slice(0, 120));
    };
    if (graceMs > 0) setTimeout(shut, graceMs).unref();
    else shut();
  };

  const recheck = async (socket: WebSocket, extra: Extra) => {
    const opened = extra.actor!;
    const record = await deps.verifier.lookup(opened.key.keyId);
    const invalid = invalidatedBecause(opened.key, record, deps.now().getTime(), opened.meta.ip);
    // A moment's grace lets the socket's subscriptions send their own final error (they end on the
    // same invalidation); no operation can start meanwhile: each one authenticates afresh.
    if (invalid) close(socket, invalid.code, `Unauthorized: ${invalid.reason}`, CLOSE_GRACE_MS);
  };

  const unlisten = deps.onInvalidation((inv) => {
    for (const [socket, extra] of open) {
      if (!extra.actor || !concerns(inv, extra.actor)) continue;
      recheck(socket, extra).catch((err: unknown) => {
        deps.log.warn({ err }, 'socket re-check failed; closing it');
        close(socket, CLOSE_UNAUTHENTICATED, 'Unauthorized: could not re-check the credentials');
      });
    }
  });

  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      // Yoga's enveloped execute/subscribe travel in rootValue (onSubscribe below): its plugins run per operation.
      execute: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onConnect: async (ctx) => {
        const credentials = credentialsOf(ctx.connectionParams, ctx.extra.request);
        const meta = requestMeta(ctx.extra.request);
        const actor = await authenticate(deps.verifier, credentials, meta, sessions);
        if (!actor) {
          ctx.extra.socket.close(CLOSE_UNAUTHENTICATED, 'Unauthorized');
          return false;
        }
        Object.assign(ctx.extra, { actor, meta, credentials });
        open.set(ctx.extra.socket, ctx.extra);
        ctx.extra.socket.once('close', () => open.delete(ctx.extra.socket));
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        // Every operation authenticates afresh, exactly as an HTTP request would.
        const meta = { ...ctx.extra.meta!, requestId: randomUUID() };
        const actor = await authenticate(deps.verifier, ctx.extra.credentials ?? {}, meta, sessions);
        if (!actor) {
          const previous = ctx.extra.actor!;
          const invalid = invalidatedBecause(previous.key, await deps.verifier.lookup(previous.key.keyId), deps.now().getTime(), meta.ip);
          close(ctx.extra.socket, invalid?.code ?? CLOSE_UNAUTHENTICATED, `Unauthorized: ${invalid?.reason ?? 'the credentials no longer authenticate'}`);
          return [new GraphQLError('Unauthenticated: the connection’s credentials no longer authenticate', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        ctx.extra.actor = actor;
        const {
          schema: s,
          execute,
          subscribe,
          contextFactory,
          parse,
          validate,
        } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          actor,
          requestId: meta.requestId,
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
        return args;
      },
    },
    wss,
  );

  return {
    /** Sockets open now (for tests and metrics). */
    get size() {
      return open.size;
    },
    async close() {
      unlisten();
      await disposable.dispose();
    },
  };
}
