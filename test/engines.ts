import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * A free loopback port for a process a test starts, below Linux's ephemeral range (32768+): a
 * port from listen(0) is free only until the probe closes, and another test's server on port 0
 * may be given it before the child binds it (seen: a test read another server's /healthz).
 * Ports here are never handed out for port 0, and a random pick rarely meets another test's.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
}

export type PrivateRedis = { url: string; port: number; start(): Promise<void>; kill(): Promise<void>; stop(): Promise<void> };

/**
 * A Redis of a test's own, on a loopback port, that the test may kill and start again (the
 * shared one must never go down under other tests). Nothing is kept on disk.
 */
export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    // Already running: a second server could not bind, and losing the first one's handle would
    // leave it running after the test (a leak of one redis-server per such call).
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
      stdio: 'ignore',
    });
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    const until = Date.now() + 10_000;
    for (;;) {
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        if (Date.now() > until) throw new Error(`redis-server on ${port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const kill = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, kill, stop: kill };
}

export type TcpProxy = { port: number; cut(): void; restore(): void; close(): Promise<void> };

/**
 * A TCP proxy on a loopback port in front of a real engine (PostgreSQL): `cut()` drops every
 * connection and refuses new ones (as an engine going down does, for the clients using this
 * proxy only), `restore()` lets connections through again.
 */
export async function tcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const { createServer: createTcpServer, connect } = await import('node:net');
  let down = false;
  const sockets = new Set<import('node:net').Socket>();
  const server = createTcpServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export type PrivatePostgres = { url: string; port: number; start(): Promise<void>; stopImmediate(): Promise<void>; destroy(): Promise<void> };

/** The PostgreSQL server binaries Debian installed (the newest major). */
function pgBin(name: string): string {
  const majors = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return `/usr/lib/postgresql/${majors[0]}/bin/${name}`;
}

function run(cmd: string, args: string[]): Promise<void> {
  // initdb and postgres refuse to run as root: run them as the postgres user when we are root.
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const c = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`))));
  });
}

/**
 * A PostgreSQL cluster of a test's own (initdb in a temporary directory, trust auth, loopback
 * port, no fsync: a crash of the server, not of the machine, loses nothing), which the test may stop with `-m immediate` (a crash: no checkpoint, clients
 * cut) and start again, with its data. The shared server must never go down under other tests.
 */
export async function privatePostgres(): Promise<PrivatePostgres> {
  return postgresServer('kp-pg-', (data) => run(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']), [
    '-c fsync=off',
    '-c full_page_writes=off',
  ]);
}

/**
 * A PostgreSQL server of the test's own in a temporary directory owned by the postgres user:
 * `create` fills its data directory (initdb, pg_basebackup), then it starts on a loopback port.
 */
async function postgresServer(prefix: string, create: (data: string) => Promise<void>, settings: string[]): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.getuid?.() === 0)
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const data = join(dir, 'data');
  const port = await freePort();
  await create(data);
  const start = () =>
    run(pgBin('pg_ctl'), ['-D', data, '-w', '-l', join(dir, 'log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} ${settings.join(' ')}`, 'start']);
  const stopImmediate = () => run(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch(() => {});
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stopImmediate,
    async destroy() {
      await stopImmediate();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type RedisClusterNode = { port: number; busPort: number; child: ChildProcess | null };
export type PrivateRedisCluster = {
  /** `host:port,…` for KEYPLANE_REDIS_CLUSTER_NODES. */
  seeds: string;
  nodes: RedisClusterNode[];
  /** The port of the master serving `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the master on `port` and waits until its replica has taken over every slot. */
  killMaster(port: number): Promise<void>;
  stop(): Promise<void>;
};

function redisCli(args: string[]): string {
  return execFileSync('redis-cli', args, { encoding: 'utf8', timeout: 30_000 });
}

/**
 * One command to the node on `port`, over a connection of its own (no cluster redirection): the
 * polls below ran `redis-cli` each time, a process start per poll from a large test worker.
 */
async function redisAt(port: number, ...args: string[]): Promise<string> {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
    enableOfflineQueue: false,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    const reply = await r.call(args[0]!, ...args.slice(1));
    return String(reply);
  } finally {
    r.disconnect();
  }
}

/**
 * A Redis Cluster of the test's own: 3 masters and 3 replicas (`redis-server --cluster-enabled
 * yes` on loopback ports, joined with `redis-cli --cluster create`), a 1 s node timeout so a
 * killed master fails over within a couple of seconds. Nothing is persisted.
 */
export async function privateRedisCluster(): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kp-rc-'));
  const nodes: RedisClusterNode[] = [];
  for (let i = 0; i < 6; i++) nodes.push({ port: await freePort(), busPort: await freePort(), child: null });
  try {
    for (const n of nodes) {
      n.child = spawn(
        'redis-server',
        [
          '--port',
          String(n.port),
          '--cluster-port',
          String(n.busPort),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${n.port}.conf`),
          '--cluster-node-timeout',
          '1000',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--loglevel',
          'warning',
        ],
        { stdio: 'ignore' },
      );
    }
    for (const n of nodes) {
      const until = Date.now() + 10_000;
      for (;;) {
        try {
          if ((await redisAt(n.port, 'ping')) === 'PONG') break;
        } catch {
          /* not up yet */
        }
        if (Date.now() > until) throw new Error(`redis-server on ${n.port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    redisCli(['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
    await waitClusterOk(nodes);
    // A replica that never synced with its master cannot take over from it: wait for every link.
    const until = Date.now() + 30_000;
    for (const n of nodes) {
      for (;;) {
        const info = await redisAt(n.port, 'info', 'replication');
        if (info.includes('role:master') || info.includes('master_link_status:up')) break;
        if (Date.now() > until) throw new Error(`replica ${n.port} did not sync with its master`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (err) {
    for (const n of nodes) n.child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const alive = () => nodes.filter((n) => n.child && n.child.exitCode === null && n.child.signalCode === null);
  return {
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    nodes,
    async masterOf(key) {
      const slot = Number(await redisAt(alive()[0]!.port, 'cluster', 'keyslot', key));
      for (const line of (await redisAt(alive()[0]!.port, 'cluster', 'nodes')).split('\n')) {
        const f = line.trim().split(' ');
        if (!f[2]?.includes('master') || f[2].includes('fail')) continue;
        for (const range of f.slice(8)) {
          const [lo, hi] = range.split('-').map(Number);
          if (slot >= lo! && slot <= (hi ?? lo)!) return Number(f[1]!.split(':')[1]!.split('@')[0]);
        }
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    async killMaster(port) {
      const node = nodes.find((n) => n.port === port)!;
      const c = node.child!;
      node.child = null;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
      await waitClusterOk(alive(), port);
    },
    async stop() {
      await Promise.all(
        alive().map((n) => {
          const c = n.child!;
          n.child = null;
          const exited = new Promise((resolve) => c.once('exit', resolve));
          c.kill('SIGKILL');
          return exited;
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Until every node answers `cluster_state:ok` and (after a kill) no slot is served by `gonePort`. */
async function waitClusterOk(nodes: RedisClusterNode[], gonePort?: number): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    let ok = true;
    try {
      for (const n of nodes) {
        if (!(await redisAt(n.port, 'cluster', 'info')).includes('cluster_state:ok')) ok = false;
        if (gonePort !== undefined) {
          // id addr flags master ping pong epoch link slots…: masters serving slots, not failed.
          const masters = (await redisAt(n.port, 'cluster', 'nodes'))
            .split('\n')
            .map((l) => l.trim().split(' '))
            .filter((f) => f[2]?.split(',').includes('master') && !f[2].includes('fail') && f.length > 8);
          if (masters.some((f) => f[1]!.includes(`:${gonePort}@`))) ok = false;
          if (masters.length < 3) ok = false;
        }
      }
    } catch {
      ok = false;
    }
    if (ok) return;
    if (Date.now() > until) throw new Error('the Redis Cluster did not reach cluster_state:ok within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A streaming replica of a private PostgreSQL (`pg_basebackup -R -X stream`, hot standby) on a
 * loopback port of its own. `pauseReplay` / `resumeReplay` hold and release what it shows (as a
 * replica lagging behind would), so a test can tell which server answered.
 */
export async function privatePostgresReplica(
  primary: PrivatePostgres,
): Promise<PrivatePostgres & { pauseReplay(): Promise<void>; resumeReplay(): Promise<void> }> {
  const server = await postgresServer(
    'kp-pgr-',
    (data) => run(pgBin('pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '--no-sync']),
    ['-c hot_standby=on', '-c fsync=off'],
  );
  const admin = async (sql: string) => {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    ...server,
    pauseReplay: () => admin('select pg_wal_replay_pause()'),
    resumeReplay: () => admin('select pg_wal_replay_resume()'),
  };
}
