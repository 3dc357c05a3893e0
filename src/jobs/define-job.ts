import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../infra/redis.ts';
import type { z } from 'zod';
import type { Config } from '../config/config.ts';

/**
 * A job = a name, a zod payload schema (ids, never entities) and default options. Handlers live
 * in workers/; the API only enqueues. Deterministic job ids de-duplicate.
 */
export type JobDefinition<S extends z.ZodType> = {
  name: string;
  queue: string;
  payload: S;
  options: JobsOptions;
  /** Derives the job id from the payload (de-duplication); omit for random ids. */
  jobId?: (payload: z.output<S>) => string;
};

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}

/** BullMQ key prefix: hash-tagged so every key of a queue lands in one Redis Cluster slot. */
export function queuePrefix(config: Pick<Config, 'redisPrefix'>): string {
  return `{${config.redisPrefix}}`;
}

export function createQueue(def: JobDefinition<z.ZodType>, connection: RedisClient, config: Pick<Config, 'redisPrefix'>): Queue {
  const queue = new Queue(def.queue, { connection, prefix: queuePrefix(config), defaultJobOptions: def.options });
  // A Queue re-emits its connection's errors. They are the shared client's (src/infra/redis.ts):
  // followed by a reconnect and reported by readiness; a failed add rejects its own promise.
  // Without a listener BullMQ prints each one to stderr, past the structured log.
  queue.on('error', () => {});
  return queue;
}

/** Validates the payload and adds the job (with its deterministic id when the definition has one). */
export async function enqueue<S extends z.ZodType>(queue: Queue, def: JobDefinition<S>, payload: z.input<S>, opts: JobsOptions = {}) {
  const data = def.payload.parse(payload);
  return queue.add(def.name, data, { ...def.options, ...(def.jobId ? { jobId: def.jobId(data) } : {}), ...opts });
}
