import type { Queue } from 'bullmq';
import type { RedisClient } from '../infra/redis.ts';
import type { z } from 'zod';
import type { Config } from '../config/config.ts';
import { createQueue, enqueue, type JobDefinition } from './define-job.ts';

/** Enqueues jobs from the API (one lazily created Queue per queue name, on the shared connection). */
export class JobClient {
  private readonly queues = new Map<string, Queue>();

  private readonly connection: RedisClient;
  private readonly config: Pick<Config, 'redisPrefix'>;

  constructor(connection: RedisClient, config: Pick<Config, 'redisPrefix'>) {
    this.connection = connection;
    this.config = config;
  }

  queue(def: JobDefinition<z.ZodType>): Queue {
    let q = this.queues.get(def.queue);
    if (!q) {
      q = createQueue(def, this.connection, this.config);
      this.queues.set(def.queue, q);
    }
    return q;
  }

  async enqueue<S extends z.ZodType>(def: JobDefinition<S>, payload: z.input<S>, opts: Parameters<typeof enqueue>[3] = {}) {
    return enqueue(this.queue(def as unknown as JobDefinition<z.ZodType>), def, payload, opts);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
