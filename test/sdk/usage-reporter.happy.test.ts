import { describe, expect, it } from 'vitest';
import { KeyplaneError } from '../../sdk/src/types.ts';
import { UsageReporter } from '../../sdk/src/usage.ts';

type Batch = { batchId: string; verifications: { keyId: string; count: number }[] };

describe('UsageReporter', () => {
  it('keeps every batch within the server’s bounds, however many verifications one second had', async () => {
    const sent: Batch[] = [];
    const r = new UsageReporter(async (b) => void sent.push(structuredClone(b)), 0);
    const at = Date.now();
    for (let i = 0; i < 250_000; i++) r.record('key1', 'VALID', '10.0.0.1', 'invoices:read', at);
    for (let i = 0; i < 1500; i++) r.record(`key${i}`, 'REVOKED', null, null, at);
    expect(r.pending).toBe(251_500);
    await r.flush();
    expect(r.pending).toBe(0);
    let total = 0;
    for (const b of sent) {
      const n = b.verifications.reduce((s, v) => s + v.count, 0);
      expect(n).toBeLessThanOrEqual(100_000);
      expect(b.verifications.length).toBeLessThanOrEqual(1000);
      for (const v of b.verifications) expect(v.count).toBeLessThanOrEqual(10_000);
      total += n;
    }
    expect(total).toBe(251_500);
    expect(new Set(sent.map((b) => b.batchId)).size).toBe(sent.length);
  });

  it('retries a batch Keyplane could not take with the same id, and drops one it refuses', async () => {
    const attempts: string[] = [];
    let answer: KeyplaneError | null = new KeyplaneError('UNAVAILABLE', 'down', 503);
    const r = new UsageReporter(async (b) => {
      attempts.push(b.batchId);
      if (answer) throw answer;
    }, 0);
    r.record('k', 'VALID', null, null, Date.now());
    await expect(r.flush()).rejects.toMatchObject({ status: 503 });
    answer = null;
    await r.flush();
    expect(attempts).toHaveLength(2);
    expect(attempts[1]).toBe(attempts[0]);
    answer = new KeyplaneError('VALIDATION', 'no', 400);
    r.record('k', 'VALID', null, null, Date.now());
    await r.flush();
    expect(r.dropped).toBe(1);
    expect(r.pending).toBe(0);
  });
});
