// Benchmark of GitHub's secret-scanning partner endpoint (issue 21). `npm run bench:leaks`.
//
// Keyplane's API runs as a child process in production mode, with a locally generated P-256
// key standing in for GitHub's. This process posts signed batches of 1,000 findings (GitHub's
// largest) — 100 real working tokens and 900 that look right but are no key — and times each
// answer; every real key must be revoked and labelled true_positive. Baseline in the same run:
// a batch of 1,000 findings that are all noise (no key to act on). GitHub waits 30 s.
// Results replace the "leaks" section of bench/RESULTS.md.
import { recordSection } from '../results.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { loadConfig } from '../../src/config/config.ts';
import { openDatabase } from '../../src/infra/orm.ts';
import { mintCredential } from '../../src/lib/token.ts';
import { issueKey } from '../../src/modules/keys/api-key.factory.ts';
import { bootstrapOrganization } from '../../src/modules/bootstrap/bootstrap.service.ts';

const root = new URL('../../', import.meta.url).pathname;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PORT = 17160;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const env: Record<string, string> = {
  NODE_ENV: 'production',
  DATABASE_URL: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/keyplane_bench_leaks',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  KEYPLANE_REDIS_PREFIX: `kpbenchleaks${Date.now().toString(36)}`,
  KEYPLANE_PEPPER: randomBytes(32).toString('hex'),
  KEYPLANE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  KEYPLANE_LOG_LEVEL: 'warn',
  KEYPLANE_GITHUB_SCANNING_KEYS: JSON.stringify([{ key_identifier: 'bench', key: publicKey.export({ type: 'spki', format: 'pem' }).toString() }]),
  HOST: '127.0.0.1',
  PORT: String(PORT),
};

const config = loadConfig(env);
const orm = await openDatabase(config, { migrate: true });
const owner = await bootstrapOrganization(orm, config.pepper, `Leaks bench ${new Date().toISOString()}`);
const rounds: string[][] = [];
for (let r = 0; r < ROUNDS; r++) {
  const em = orm.em.fork();
  const tokens = Array.from(
    { length: 100 },
    (_, i) => issueKey(em, config.pepper, { organizationId: owner.organizationId, userId: owner.userId, kind: 'SECRET', name: `leak ${r}-${i}` }).token,
  );
  await em.flush();
  rounds.push(tokens);
}
await orm.close(true);

const child: ChildProcess = spawn(process.execPath, ['src/main.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
process.on('exit', () => child.exitCode === null && child.kill('SIGKILL'));
for (let i = 0; ; i++) {
  if (
    await fetch(`http://127.0.0.1:${PORT}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  if (i > 300) throw new Error('the API did not start');
  await new Promise((r) => setTimeout(r, 100));
}

async function post(findings: { token: string; type: string; url: string; source: string }[]): Promise<{ ms: number; labels: { label: string }[] }> {
  const body = JSON.stringify(findings);
  const signature = sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'der' }).toString('base64');
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${PORT}/v1/secret-scanning/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'github-public-key-identifier': 'bench', 'github-public-key-signature': signature },
    body,
  });
  const labels = (await res.json()) as { label: string }[];
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return { ms: performance.now() - started, labels };
}
const noise = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    token: mintCredential('SECRET').token,
    type: 'keyplane',
    url: `https://github.com/x/y/blob/${i}`,
    source: 'content',
  }));

const real: number[] = [];
const baseline: number[] = [];
for (const tokens of rounds) {
  baseline.push((await post(noise(1000))).ms);
  const batch = [...tokens.map((token, i) => ({ token, type: 'keyplane', url: `https://github.com/x/y/blob/real-${i}`, source: 'content' })), ...noise(900)];
  const { ms, labels } = await post(batch);
  const positives = labels.filter((l) => l.label === 'true_positive').length;
  if (positives !== 100) throw new Error(`expected 100 true positives, got ${positives}`);
  real.push(ms);
}
child.kill('SIGTERM');

const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const fmt = (n: number) => `${Math.round(n)} ms`;
const section = `<!-- bench:leaks:start -->
## leaks — GitHub secret-scanning partner endpoint (issue 21)

Recorded ${new Date().toISOString()} with \`npm run bench:leaks\` (${ROUNDS} rounds; API in production mode as a child process).
Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, load ${loadavg()[0]!.toFixed(1)} at the end.

| Batch of 1,000 findings (signed, verified) | median | slowest |
|---|---|---|
| all noise: right shape and checksum, no such key (baseline) | ${fmt(med(baseline))} | ${fmt(Math.max(...baseline))} |
| 100 real keys (each revoked, evented, audited, invalidated) + 900 noise | ${fmt(med(real))} | ${fmt(Math.max(...real))} |

GitHub's timeout is 30 s: the slowest batch answered in ${((Math.max(...real) / 30_000) * 100).toFixed(1)} % of it.
<!-- bench:leaks:end -->`;
recordSection('leaks', section);
console.log(section);
process.exit(0);
