import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { Redis } from 'ioredis';
import pg from 'pg';
import { grantRuntimeRole, initORM } from '../src/infra/orm.ts';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/**
 * One template database and one Redis key prefix per test run, so concurrent runs (developers,
 * CI) never share state. Migrations run once, into the template, exactly as `npm start` runs
 * them; every Vitest worker then gets its own copy (CREATE DATABASE … TEMPLATE is a file copy,
 * far cheaper than migrating again), and `test/context.ts` picks the worker's copy and prefix.
 */
export default async function setup(project: TestProject) {
  // The API, workers and CLIs that tests start as processes keep V8's compiled code between
  // starts (node_modules/.cache, per checkout): a start costs about 0.6 s of CPU instead of 1.
  process.env.NODE_COMPILE_CACHE ??= fileURLToPath(new URL('../node_modules/.cache/node-compile', import.meta.url));
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const template = `keyplane_test_${runId}`;
  const urlOf = (db: string) => ADMIN_URL.replace(/\/[^/]*$/, `/${db}`);
  const orm = await initORM(urlOf(template));
  // The service under test runs as the runtime role, as `npm start` sets it up.
  await grantRuntimeRole(orm, 'keyplane_app', null);
  await orm.close(true);

  const workers = Math.max(1, project.vitest.config.maxWorkers);
  const databases = Array.from({ length: workers }, (_, i) => `${template}_w${i + 1}`);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    for (const db of databases) {
      await admin.query(`create database ${quote(db)} template ${quote(template)}`);
      // Database-level privileges are not copied from a template.
      await admin.query(`grant connect on database ${quote(db)} to keyplane_app`);
    }
  } finally {
    await admin.end();
  }

  const redisPrefix = `kpt:${runId}`;
  project.provide('databaseUrls', databases.map(urlOf));
  project.provide('redisUrl', REDIS_URL);
  project.provide('redisPrefix', redisPrefix);

  return async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      for (const db of [...databases, template]) await admin.query(`drop database if exists ${quote(db)} with (force)`);
    } finally {
      await admin.end();
    }
    const redis = new Redis(REDIS_URL);
    // BullMQ's keys carry the prefix hash-tagged: {prefix}:queue:…
    for (const pattern of [`${redisPrefix}*`, `{${redisPrefix}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
    await redis.quit();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** One database per Vitest worker, indexed by VITEST_POOL_ID − 1. */
    databaseUrls: string[];
    redisUrl: string;
    redisPrefix: string;
  }
}
