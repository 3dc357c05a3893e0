import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, LATENCY_BUCKETS, RouteLatencyHistogram } from '../../src/infra/metrics.ts';

/** The sample lines of one metric family in an exposition text. */
const family = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(name));

describe('request-path metrics', () => {
  it('the route latency histogram prints what prom-client’s Histogram prints for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const name = 'test_latency_seconds';
    const h = new RouteLatencyHistogram({ name, help: 'latency', buckets: LATENCY_BUCKETS, registers: [ours] });
    const ref = new Histogram({ name, help: 'latency', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers: [theirs] });
    // Edges included: a value equal to a bound falls in that bound's bucket; above the last, only +Inf.
    const values = [0, 0.0005, 0.0004, 0.00051, 0.001, 0.003, 0.2, 2.5, 2.6, 40, ...Array.from({ length: 200 }, (_, i) => (i * 0.37) % 3)];
    for (const [i, v] of values.entries()) {
      const route = ['/v1/keys/verify', '/graphql', 'other'][i % 3]!;
      h.observe(route, v);
      ref.observe({ route }, v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    h.reset();
    ref.reset();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('counts requests and verifications exactly, scrape after scrape', async () => {
    const m = createMetrics();
    for (let i = 0; i < 7; i++) m.httpRequest('/v1/keys/verify', 200, 0.001);
    m.httpRequest('/v1/keys/verify', 401, 0.0002);
    m.httpRequest('/graphql', 200, 0.02);
    for (let i = 0; i < 3; i++) m.verification('VALID');
    m.verification('NOT_FOUND');
    const first = await m.registry.metrics();
    expect(family(first, 'keyplane_http_requests_total')).toEqual(
      expect.arrayContaining([
        'keyplane_http_requests_total{route="/v1/keys/verify",status="200"} 7',
        'keyplane_http_requests_total{route="/v1/keys/verify",status="401"} 1',
        'keyplane_http_requests_total{route="/graphql",status="200"} 1',
      ]),
    );
    expect(first).toContain('keyplane_key_verifications_total{code="VALID"} 3');
    expect(first).toContain('keyplane_key_verifications_total{code="NOT_FOUND"} 1');
    expect(first).toContain('keyplane_http_request_duration_seconds_count{route="/v1/keys/verify"} 8');
    expect(first).toContain('keyplane_http_request_duration_seconds_bucket{le="0.0005",route="/v1/keys/verify"} 1');
    // A second scrape folds nothing twice; later counts add up.
    const counted = (text: string) =>
      text.split('\n').filter((l) => /^keyplane_(http_requests_total|key_verifications_total|http_request_duration_seconds)/.test(l));
    expect(counted(await m.registry.metrics())).toEqual(counted(first));
    m.httpRequest('/v1/keys/verify', 200, 0.001);
    m.verification('VALID');
    const third = await m.registry.metrics();
    expect(third).toContain('keyplane_http_requests_total{route="/v1/keys/verify",status="200"} 8');
    expect(third).toContain('keyplane_key_verifications_total{code="VALID"} 4');
    expect(third).toContain('keyplane_http_request_duration_seconds_count{route="/v1/keys/verify"} 9');
  });
});
