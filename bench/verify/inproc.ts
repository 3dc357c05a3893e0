// In-process cost of one verification and memory per cached key. Run by bench/verify/run.ts as
// `node --expose-gc bench/verify/inproc.ts` with the bench environment; prints JSON.
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { Actor } from '../../src/modules/principal/actor.ts';
import { KeyCache } from '../../src/modules/verification/key-cache.ts';
import type { PrincipalRecord } from '../../src/modules/principal/key-record.ts';
import { verifyKey } from '../../src/modules/verification/verify.service.ts';
import { mintCredential } from '../../src/lib/token.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const { hostToken, validToken } = JSON.parse(process.env.BENCH_TOKENS!) as { hostToken: string; validToken: string };
const config = loadConfig();
const app = await createApp(config, { migrate: false, log: createLogger('silent') });
const { verifier } = app.deps;

/** Times `fn`, awaiting only what answers a promise (a warm verification answers synchronously). */
async function time(label: string, n: number, fn: (i: number) => unknown) {
  for (let i = 0; i < Math.min(n, 20_000); i++) {
    const r = fn(i); // warm up the JIT and the cache
    if (r instanceof Promise) await r;
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = fn(i);
    if (r instanceof Promise) await r;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return { label, n, usPerOp: Math.round(ns / n / 10) / 100 };
}

const host = await verifier.verify({ token: hostToken });
if (!host.valid || !host.record) throw new Error('host key does not verify');
const actor = new Actor(host.record, { requestId: 'bench', ip: '127.0.0.1', userAgent: null });
const forged = Array.from({ length: 1000 }, () => {
  const t = mintCredential('SECRET').token;
  return t.slice(0, -3) + (t.endsWith('aaa') ? 'bbb' : 'aaa');
});

const timings = [
  await time('verifier.verify, warm valid key + permission', 200_000, () => verifier.verify({ token: validToken, permission: 'keys:read' })),
  await time('verifyKey service (caller check, input parse, answer)', 200_000, () =>
    verifyKey({ actor, deps: app.deps }, { token: validToken, permission: 'keys:read' }),
  ),
  await time('verifier.verify, forged token (checksum fails)', 200_000, (i) => verifier.verify({ token: forged[i % forged.length]! })),
];

// Memory: N clones of the real record, every string and buffer its own, stored in a KeyCache.
const real = (await verifier.lookup(JSON.parse(process.env.BENCH_KEYID!) as string))!;
const fresh = (s: string) => Buffer.from(s).toString();
function clone(r: PrincipalRecord, i: number): PrincipalRecord {
  const id = fresh(`key_${String(i).padStart(20, '0')}`);
  return {
    ...r,
    id,
    keyId: fresh(`K${String(i).padStart(15, '0')}`),
    name: fresh(`${r.name} ${i}`),
    organizationId: fresh(r.organizationId),
    organizationPath: fresh(r.organizationPath),
    userId: fresh(r.userId),
    userOrganizationPath: fresh(r.userOrganizationPath),
    secretHash: Buffer.from(r.secretHash),
    permissions: new Map([...r.permissions].map(([p, l]) => [fresh(p), l === null ? null : new Set(l)])),
    withheldFields: new Map(r.withheldFields),
    allowedIps: [...r.allowedIps],
  };
}
const N = 50_000;
const cache = new KeyCache({ max: N * 2, maxBytes: N * 100_000, ttlMs: 3600_000 });
gc();
const before = process.memoryUsage();
for (let i = 0; i < N; i++) cache.store(`K${i}`, clone(real, i), cache.currentGeneration());
gc();
const after = process.memoryUsage();
const perKey = (after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers)) / N;

console.log(
  JSON.stringify({
    timings,
    memory: { keys: N, bytesPerKey: Math.round(perKey), permissionsPerKey: real.permissions.size, cacheEstimatePerKey: Math.round(cache.bytes / N) },
  }),
);
await app.close();
process.exit(0);
