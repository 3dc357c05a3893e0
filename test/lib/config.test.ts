import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('config', () => {
  it('has working development defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 4000,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/keyplane',
      redisUrl: 'redis://127.0.0.1:6379',
      production: false,
      webhooksAllowLoopback: false,
    });
    expect(c.encryptionKey).toHaveLength(32);
  });

  it('reads Redis Cluster seed nodes (IPv4, names, [IPv6]) and refuses what is not host:port', () => {
    expect(loadConfig({}).redisClusterNodes).toBeNull();
    expect(loadConfig({ KEYPLANE_REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b.internal:7001,[::1]:7002 ' }).redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    for (const bad of ['10.0.0.1', '10.0.0.1:0', 'host:70000', 'a b:1', '::1:7000', 'redis://x:1'])
      expect(() => loadConfig({ KEYPLANE_REDIS_CLUSTER_NODES: bad }), bad).toThrow(/KEYPLANE_REDIS_CLUSTER_NODES[\s\S]*not host:port/);
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ PORT: '99999', DATABASE_URL: 'mysql://x', KEYPLANE_ENCRYPTION_KEY: 'short' })).toThrow(
      /PORT[\s\S]*DATABASE_URL[\s\S]*KEYPLANE_ENCRYPTION_KEY|PORT/,
    );
    try {
      loadConfig({ PORT: '99999', DATABASE_URL: 'mysql://x', KEYPLANE_ENCRYPTION_KEY: 'short' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      for (const v of ['PORT', 'DATABASE_URL', 'KEYPLANE_ENCRYPTION_KEY']) expect((e as Error).message).toContain(v);
    }
  });

  it('refuses development secrets and loopback webhooks in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/KEYPLANE_PEPPER[\s\S]*KEYPLANE_ENCRYPTION_KEY/);
    const ok = {
      NODE_ENV: 'production',
      KEYPLANE_PEPPER: 'p'.repeat(40),
      KEYPLANE_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    };
    expect(loadConfig(ok).production).toBe(true);
    expect(() => loadConfig({ ...ok, KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: 'true' })).toThrow(/KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK/);
  });

  it('keeps a database index in REDIS_URL', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/3' }).redisUrl).toBe('redis://127.0.0.1:6379/3');
  });
});
