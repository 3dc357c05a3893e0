import type { MikroORM } from '@mikro-orm/postgresql';
import * as bullmq from 'bullmq';
import type { Worker } from 'bullmq';
import { createQueue, queuePrefix } from '../src/jobs/define-job.ts';
import type { Config } from '../src/config/config.ts';
import type { Logger } from '../src/infra/logger.ts';
import { openDatabase } from '../src/infra/orm.ts';
import { RedisEventTarget } from '../src/infra/pubsub.ts';
import { createRedis, type RedisClient } from '../src/infra/redis.ts';
import { envelope, invalidationNotice } from '../src/modules/verification/invalidation-bus.ts';
import { INVALIDATION_TOPIC, type Invalidation } from '../src/modules/verification/key-cache.ts';

/** What a job handler gets: the ORM (fork per job), Redis, pub/sub, config, logger, clock. */
export type WorkerDeps = {
  config: Config;
  log: Logger;
  orm: MikroORM;
  redis: RedisClient;
  pubsub: RedisEventTarget;
  now: () => Date;
  invalidate: (inv: Invalidation) => Promise<void>;
  /** What modules report for /healthz beyond their workers running (e.g. `scheduler:expiry-sweep`). */
  checks: Map<string, boolean>;
  /** Work a module runs outside BullMQ is stopped by these, first thing on close. */
  onClose: (stop: () => Promise<void>) => void;
};

/** How often each process checks that its job schedulers still exist in Redis (a flush or a new Redis loses them). */
export const SCHEDULER_CHECK_MS = 5_000;

/** A worker module: starts its BullMQ Worker(s) (and repeatable schedules) from the shared deps. */
export type WorkerModule = { name: string; start(deps: WorkerDeps): Promise<Worker[]> };

export async function startWorkers(
  config: Config,
  opts: {
    log: Logger;
    now?: () => Date;
    modules: readonly WorkerModule[];
    /** A database the caller opened and keeps (migrated by it; left open by close()). */
    orm?: MikroORM;
  },
) {
  const orm = opts.orm ?? (await openDatabase(config));
  const redis = createRedis(config, 'workers');
  const subscriber = createRedis(config, 'workers-sub');
  const pubsub = new RedisEventTarget(redis, subscriber, config.redisPrefix);
  const closers: (() => Promise<void>)[] = [];
  const deps: WorkerDeps = {
    config,
    log: opts.log,
    orm,
    redis,
    pubsub,
    now: opts.now ?? (() => new Date()),
    checks: new Map(),
    onClose: (stop) => void closers.push(stop),
    // As the API does: PostgreSQL to every API process, Redis as a second path.
    invalidate: async (inv) => {
      const message = envelope(inv, 'workers');
      const notice = invalidationNotice(config.redisPrefix, message);
      await Promise.allSettled([orm.em.getConnection().execute(notice.sql, notice.params), pubsub.publish(INVALIDATION_TOPIC, message)]);
    },
  };
  await redis.ping();
  const modules = opts.modules;
  const workers: Worker[] = [];
  for (const m of modules) workers.push(...(await m.start(deps)));
  return {
    deps,
    names: modules.map((m) => m.name),
    workers,
    /**
     * Lets running jobs finish (BullMQ's close waits for them) for up to `graceMs`, then forces
     * the workers closed, and disconnects. Bounded whatever Redis does: during an outage a
     * graceful close or a QUIT would wait for a reconnect that may never come.
     */
    async close(graceMs = 20_000) {
      // Work outside BullMQ may be stuck on Redis too (a relay pass enqueueing): bounded as well.
      await settlesWithin(Promise.allSettled(closers.map((stop) => stop())), Math.min(graceMs, 5_000));
      const graceful = Promise.allSettled(workers.map((w) => w.close()));
      if (redis.status !== 'ready' || !(await settlesWithin(graceful, graceMs))) {
        opts.log.warn({ redis: redis.status }, 'workers did not close in time or Redis is away: forcing them closed');
        await settlesWithin(Promise.allSettled(workers.map((w) => w.close(true))), 2_000);
      }
      for (const r of [subscriber, redis]) {
        if (r.status === 'ready')
          await settlesWithin(
            r.quit().then(() => undefined),
            1_000,
          );
        r.disconnect();
      }
      // A query stuck on its connection must not hold the exit either.
      if (!opts.orm) await settlesWithin(orm.close(true), 2_000);
    },
  };
}

/**
 * A BullMQ Worker for one job definition: payloads are validated (an invalid one fails for good,
 * it will not become valid on retry), and each job gets its own EntityManager fork.
 */
export function createJobWorker<S extends import('zod').ZodType>(
  deps: WorkerDeps,
  def: import('../src/jobs/define-job.ts').JobDefinition<S>,
  handler: (payload: import('zod').output<S>, ctx: { em: ReturnType<MikroORM['em']['fork']>; job: import('bullmq').Job; deps: WorkerDeps }) => Promise<unknown>,
  opts: Omit<import('bullmq').WorkerOptions, 'connection' | 'prefix'> = {},
): Worker {
  const { Worker: BullWorker, UnrecoverableError } = bullmq;
  // The worker's own connection (BullMQ duplicates it for its blocking reads); BullMQ leaves a
  // connection it was given open, so it is closed with the worker.
  const connection = createRedis(deps.config, `worker:${def.queue}`);
  const worker = new BullWorker(
    def.queue,
    async (job) => {
      const parsed = def.payload.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid ${def.name} payload: ${parsed.error.message}`);
      return handler(parsed.data, { em: deps.orm.em.fork(), job, deps });
    },
    { connection, prefix: queuePrefix(deps.config), ...opts },
  );
  worker.on('closed', () => connection.disconnect());
  // Connection losses and jobs whose keys vanished with Redis's data: logged, not printed raw.
  worker.on('error', (err) => deps.log.warn({ err: err.message, queue: def.queue }, 'worker error'));
  return worker;
}

/**
 * A worker module for a periodic job: every worker process upserts the same BullMQ job scheduler
 * (so one run is due every `everyMs`, however many processes there are) and runs one job at a
 * time. A run missed while no worker was up is caught up by the next.
 */
export function scheduledWorker<S extends import('zod').ZodType>(spec: {
  name: string;
  job: import('../src/jobs/define-job.ts').JobDefinition<S>;
  schedulerId: string;
  everyMs: (config: Config) => number;
  run: (deps: WorkerDeps) => Promise<unknown>;
}): WorkerModule {
  return {
    name: spec.name,
    async start(deps) {
      const queue = createQueue(spec.job, deps.redis, deps.config);
      const check = `scheduler:${spec.schedulerId}`;
      const upsert = () =>
        queue.upsertJobScheduler(spec.schedulerId, { every: spec.everyMs(deps.config) }, { name: spec.job.name, data: {}, opts: spec.job.options });
      await upsert();
      deps.checks.set(check, true);
      // Redis keeps the scheduler: a flush, a restart without persistence or a failover to an
      // empty replica loses it, and with it every run. Put it back when Redis returns, and check
      // now and then for a loss no reconnect announces (FLUSHALL).
      let busy = false;
      const ensure = async () => {
        if (busy) return;
        busy = true;
        try {
          if (!(await queue.getJobScheduler(spec.schedulerId))) {
            await upsert();
            deps.log.warn({ scheduler: spec.schedulerId }, 'job scheduler was missing in Redis; restored');
          }
          deps.checks.set(check, true);
        } catch (err) {
          deps.checks.set(check, false);
          deps.log.debug({ err, scheduler: spec.schedulerId }, 'job scheduler check failed');
        } finally {
          busy = false;
        }
      };
      const onReady = () => void ensure();
      deps.redis.on('ready', onReady);
      const timer = setInterval(onReady, SCHEDULER_CHECK_MS);
      timer.unref();
      const worker = createJobWorker(deps, spec.job, (_payload, { deps: d }) => spec.run(d), { concurrency: 1 });
      worker.on('closing', () => {
        clearInterval(timer);
        deps.redis.off('ready', onReady);
        void queue.close();
      });
      return [worker];
    },
  };
}

/** Whether `p` settles within `ms` (it keeps running either way). */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = p.then(
    () => true as const,
    () => true as const,
  );
  const settled = await Promise.race([done, late]);
  clearTimeout(timer);
  return settled;
}
