import { createServer, type Server } from 'node:http';
import type { Worker } from 'bullmq';
import type { WorkerDeps } from './runtime.ts';

/**
 * GET /healthz of the workers process: each BullMQ worker running, PostgreSQL and Redis
 * answering, and the outbox backlog (how many events wait, and for how long). 503 when a worker
 * stopped or a store is down, so an orchestrator restarts the process.
 */
export function startHealthServer(deps: WorkerDeps, workers: Worker[], port: number, host: string): Server {
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/healthz') {
      res.writeHead(404).end();
      return;
    }
    void (async () => {
      // Bounded: an orchestrator asking during an outage gets 503 at once, not a hang.
      const [db, redis] = await Promise.allSettled([
        bounded(
          deps.orm.em
            .fork()
            .getConnection()
            .execute<{ n: string; oldest: Date | null }[]>(`select count(*) as n, min(occurred_at) as oldest from event where relayed_at is null`),
        ),
        deps.redis.status === 'ready' ? bounded(deps.redis.ping()) : Promise.reject(new Error(deps.redis.status)),
      ]);
      const states = workers.map((w) => ({ name: w.name, running: w.isRunning(), paused: w.isPaused() }));
      const outbox =
        db.status === 'fulfilled'
          ? {
              unrelayed: Number(db.value[0]!.n),
              oldestSeconds: db.value[0]!.oldest ? Math.round((Date.now() - new Date(db.value[0]!.oldest).getTime()) / 1000) : 0,
            }
          : null;
      const checks = Object.fromEntries(deps.checks);
      // Why it is degraded, in words an operator can act on (no secrets: connection errors are
      // reduced to their message, which names no credentials).
      const problems = [
        ...(db.status === 'rejected' ? [`postgres: ${reason(db.reason)}`] : []),
        ...(redis.status === 'rejected' ? [`redis: ${reason(redis.reason)}`] : []),
        ...states.filter((s) => !s.running).map((s) => `worker ${s.name} not running`),
        ...Object.entries(checks)
          .filter(([, passing]) => !passing)
          .map(([name]) => `check ${name} failing`),
      ];
      const ok = problems.length === 0;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8' });
      res.end(
        JSON.stringify({
          status: ok ? 'ok' : 'degraded',
          postgres: db.status === 'fulfilled' ? 'ok' : 'down',
          redis: redis.status === 'fulfilled' ? 'ok' : 'down',
          workers: states,
          checks,
          outbox,
          ...(ok ? {} : { problems }),
        }),
      );
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('error', (err) => deps.log.warn({ err: err.message, port }, 'workers health endpoint not started'));
  server.listen(port, host);
  return server;
}

const PROBE_MS = 500;

function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.slice(0, 200);
}

function bounded<T>(p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_MS} ms`)), PROBE_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
