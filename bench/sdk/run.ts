// Benchmark of the host SDK (issue 19). `npm run bench:sdk`.
//
// Keyplane's API runs as a child process (as `npm run start:api` runs it); a host application
// (bench/sdk/host.ts: Express, one route) runs as another, in three modes measured in the same
// run, alternating in rounds: no key check (the host's own cost), requireKey with the SDK's local
// verification (warm), and requireKey calling POST /v1/keys/verify on every request (local: false).
// autocannon loads the host from this process. Then, in this process: µs per warm local
// verification (kp.verify) with the host's own Keyplane. Results replace the "sdk" section of
// bench/RESULTS.md.
import { recordSection } from '../results.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config/config.ts';
import { openDatabase } from '../../src/infra/orm.ts';
import { issueKey } from '../../src/modules/keys/api-key.factory.ts';
import { bootstrapOrganization } from '../../src/modules/bootstrap/bootstrap.service.ts';
import { createKeyplane } from '../../sdk/src/index.ts';
import { makeUserWithRole } from '../verify/seed.ts';

const root = new URL('../../', import.meta.url).pathname;
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const KP_PORT = 17150;
const HOST_PORT = 17151;

const env: Record<string, string> = {
  NODE_ENV: 'production',
  DATABASE_URL: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/keyplane_bench_sdk',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  KEYPLANE_REDIS_PREFIX: `kpbenchsdk${Date.now().toString(36)}`,
  KEYPLANE_PEPPER: randomBytes(32).toString('hex'),
  KEYPLANE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  KEYPLANE_LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
};

// ---- seed: the host's service key (bootstrap owner) and a customer key holding invoices:read ----
const config = loadConfig(env);
const orm = await openDatabase(config, { migrate: true });
const owner = await bootstrapOrganization(orm, config.pepper, `SDK bench ${new Date().toISOString()}`);
const { userId } = await makeUserWithRole(orm, owner.organizationId, ['invoices:read']);
const em = orm.em.fork();
const customer = issueKey(em, config.pepper, { organizationId: owner.organizationId, userId, kind: 'SECRET', name: 'bench customer' });
await em.flush();
await orm.close(true);

type Proc = { child: ChildProcess };
// Whatever happens, no child outlives the run (a leftover API would keep its port and the pipes).
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});
async function start(file: string, extraEnv: Record<string, string>, ready: (line: string) => boolean): Promise<Proc> {
  const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`${file} did not start`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.split('\n').some(ready)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}`)));
  });
  child.stdout!.resume();
  return { child };
}
async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
    setTimeout(() => p.child.kill('SIGKILL'), 5000).unref();
  });
}

const keyplane = await start('src/main.ts', { PORT: String(KP_PORT), KEYPLANE_LOG_LEVEL: 'info' }, (l) => l.includes('keyplane api listening'));
const KEYPLANE_URL = `http://127.0.0.1:${KP_PORT}`;

type Figures = { rps: number; p50: number; p99: number; errors: number; non2xx: number };
async function load(url: string): Promise<Figures> {
  const r = await autocannon({
    url: `${url}/invoices/inv_42`,
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { authorization: `Bearer ${customer.token}` },
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

const MODES = ['none', 'local', 'remote'] as const;
const results: Record<(typeof MODES)[number], Figures[]> = { none: [], local: [], remote: [] };
const load0 = loadavg()[0]!;
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of MODES) {
    const host = await start('bench/sdk/host.ts', { PORT: String(HOST_PORT), HOST_MODE: mode, KEYPLANE_URL, HOST_TOKEN: owner.token }, (l) => l === 'ready');
    const url = `http://127.0.0.1:${HOST_PORT}`;
    // Warm: the first request of the key fetches its snapshot (local) or warms Keyplane's cache.
    for (let i = 0; i < 200; i++)
      await fetch(`${url}/invoices/inv_${i}`, { headers: { authorization: `Bearer ${customer.token}` } }).then((r) => r.arrayBuffer());
    const f = await load(url);
    results[mode].push(f);
    process.stderr.write(`round ${round + 1} ${mode}: ${Math.round(f.rps)} rps, p50 ${f.p50} ms, p99 ${f.p99} ms, errors ${f.errors}, non-2xx ${f.non2xx}\n`);
    await stop(host);
  }
}

// ---- in-process: a warm local verification, and the same verification asked of Keyplane ----
const kp = createKeyplane({ url: KEYPLANE_URL, token: owner.token });
while (kp.stats.feed !== 'live') await new Promise((r) => setTimeout(r, 20));
const input = { token: customer.token, ip: '10.0.0.1', permission: 'invoices:read', resource: 'inv_42' };
await kp.verify(input);
const N = 200_000;
for (let i = 0; i < 20_000; i++) await kp.verify(input);
let t = process.hrtime.bigint();
for (let i = 0; i < N; i++) await kp.verify(input);
const localUs = Number(process.hrtime.bigint() - t) / 1000 / N;
const remoteKp = createKeyplane({ url: KEYPLANE_URL, token: owner.token, local: false });
for (let i = 0; i < 200; i++) await remoteKp.verify(input);
const M = 2000;
t = process.hrtime.bigint();
for (let i = 0; i < M; i++) await remoteKp.verify(input);
const remoteUs = Number(process.hrtime.bigint() - t) / 1000 / M;
if (kp.stats.local < N) throw new Error('local verifications went to the server');
await kp.close();
await remoteKp.close();
await stop(keyplane);
const load1 = loadavg()[0]!;

// ---- report ---------------------------------------------------------------------------------
const best = (fs: Figures[]) => fs.reduce((a, b) => (b.rps > a.rps ? b : a));
const [none, local, remote] = [best(results.none), best(results.local), best(results.remote)];
const addedUs = (1 / local.rps - 1 / none.rps) * 1e6;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const row = (name: string, fs: Figures[]) => {
  const b = best(fs);
  return `| ${name} | **${fmt(b.rps)}** (${fs.map((f) => fmt(f.rps)).join(' / ')}) | ${b.p50} / ${b.p99} ms | ${fs.reduce((n, f) => n + f.errors + f.non2xx, 0)} |`;
};
const date = new Date().toISOString().slice(0, 10);
const section = `<!-- bench:sdk:start -->
## Host SDK: local verification vs a verify call per request (bench/sdk) — ${date}

Command: \`npm run bench:sdk\` (BENCH_DURATION=${DURATION} s × ${ROUNDS} rounds per mode, ${CONNECTIONS} connections, autocannon).
Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after (other engineers' test runs shared the machine; nothing pinned: Keyplane, the host and autocannon share the 2 cores, so every figure is a same-run comparison, not a capacity).
Setup: Keyplane's API (\`src/main.ts\`, production mode) and the host (\`bench/sdk/host.ts\`: Express 5, \`GET /invoices/:id\` behind \`requireKey(kp, { permission: 'invoices:read' })\`, JSON answer) as child processes; one customer key, warm. Modes alternate in rounds; best round shown, every round in brackets.

| Host route | Requests/s | p50 / p99 | Errors |
|---|---:|---:|---:|
${row('no key check (baseline: the host alone)', results.none)}
${row('**requireKey, local verification (SDK)**', results.local)}
${row('requireKey, POST /v1/keys/verify per request', results.remote)}

- **Local verification serves ${(local.rps / remote.rps).toFixed(1)}× the requests per second of a verify call per request** (target ≥ 5×).
- Added per request by the middleware with local verification, from throughput: **${addedUs.toFixed(1)} µs** (1/rps with it − 1/rps without; target < 20 µs). In-process, one warm \`kp.verify\` (credential hash, snapshot decision, usage count): **${localUs.toFixed(2)} µs**; the same verification asked of Keyplane over HTTP: ${fmt(remoteUs)} µs.
- Local verifications are reported in batches (one \`POST /v1/keys/verifications\` a second, counted in the local figures); that usage counts them exactly is tested (\`test/sdk/sdk.happy.test.ts\`), not measured here. Latencies are autocannon's, in whole milliseconds (0 = under 1 ms). The per-request-call figure includes Keyplane's own CPU on the same 2 cores, as a co-located Keyplane would.
<!-- bench:sdk:end -->`;
recordSection('sdk', section);
process.stdout.write(`${section}\n`);
process.exit(0);
