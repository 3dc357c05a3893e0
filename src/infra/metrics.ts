import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client';
import type { VerifyCode } from '../lib/verify-codes.ts';

export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

type ExportedValue = MetricValueWithName<string> & { sharedLabels: Record<string, string>; exemplar?: null };
type RouteStats = { buckets: Float64Array; sum: number; count: number };

/**
 * A latency histogram with one label (`route`), for the request path: observing indexes a Map by
 * the route string and bumps a bucket, where prom-client's Histogram builds a label hash string
 * and copies objects on every call. It is a prom-client metric all the same (registered in the
 * registry, exposed in the same text form; a test compares the two).
 */
export class RouteLatencyHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly labelNames = ['route'];
  private readonly bounds: number[];
  private readonly routes = new Map<string, RouteStats>();

  constructor(opts: { name: string; help: string; buckets: number[]; registers: Registry[] }) {
    this.name = opts.name;
    this.help = opts.help;
    this.bounds = [...opts.buckets].sort((a, b) => a - b);
    for (const r of opts.registers) r.registerMetric(this as never);
  }

  observe(route: string, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    let s = this.routes.get(route);
    if (!s) this.routes.set(route, (s = { buckets: new Float64Array(this.bounds.length), sum: 0, count: 0 }));
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        s.buckets[i]!++;
        break;
      }
    }
    s.sum += seconds;
    s.count++;
  }

  reset(): void {
    this.routes.clear();
  }

  /** The exposition form prom-client's registry prints (buckets cumulative, then +Inf, sum, count). */
  async getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: ExportedValue[] }> {
    const values: ExportedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const [route, s] of this.routes) {
      const shared = { route };
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.buckets[i]!;
        values.push({ labels: { le: this.bounds[i]! }, sharedLabels: shared, value: acc, metricName: bucket, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: shared, value: s.count, metricName: bucket, exemplar: null });
      values.push({ labels: {}, sharedLabels: shared, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: shared, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** The JSON form (registry.getMetricsAsJSON): labels merged. */
  async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const data = await this.getForPromString();
    return { ...data, values: data.values.map(({ sharedLabels, labels, ...v }) => ({ ...v, labels: { ...labels, ...sharedLabels } })) } as never;
  }
}

/**
 * Counts on the request path without prom-client's per-call label hashing: the hot path bumps a
 * number in nested Maps keyed by the label values, and the counts are folded into the prom-client
 * Counter (through its `collect` hook) when the registry is read.
 */
function batchedCounter<const L extends readonly [string, ...string[]]>(opts: { name: string; help: string; labelNames: L; registry: Registry }) {
  type Node = Map<string, Node | { n: number }>;
  const pending: Node = new Map();
  const fold = (counter: Counter<string>, node: Node, depth: number, labels: Record<string, string>) => {
    for (const [value, child] of node) {
      const next = { ...labels, [opts.labelNames[depth]!]: value };
      if ('n' in child) {
        if (child.n) counter.inc(next, child.n);
        child.n = 0;
      } else fold(counter, child as Node, depth + 1, next);
    }
  };
  const counter = new Counter({
    name: opts.name,
    help: opts.help,
    labelNames: opts.labelNames,
    registers: [opts.registry],
    collect() {
      fold(this as Counter<string>, pending, 0, {});
    },
  });
  return {
    counter,
    /** Adds one for these label values (in `labelNames` order). */
    inc(...values: { [K in keyof L]: string }): void {
      let node = pending;
      for (let i = 0; i < values.length - 1; i++) {
        let next = node.get(values[i]!) as Node | undefined;
        if (!next) node.set(values[i]!, (next = new Map()));
        node = next;
      }
      const last = values[values.length - 1]!;
      const leaf = node.get(last) as { n: number } | undefined;
      if (leaf) leaf.n++;
      else node.set(last, { n: 1 });
    },
  };
}

/** HTTP statuses as label strings, without a String() per request. */
const STATUS_TEXT = Array.from({ length: 600 }, (_, i) => String(i));

/** One registry per app instance, so tests can run several in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'keyplane_' });
  const buckets = LATENCY_BUCKETS;
  const httpRequests = batchedCounter({ name: 'keyplane_http_requests_total', help: 'HTTP requests', labelNames: ['route', 'status'], registry });
  const httpDuration = new RouteLatencyHistogram({
    name: 'keyplane_http_request_duration_seconds',
    help: 'HTTP request latency',
    buckets,
    registers: [registry],
  });
  const verifications = batchedCounter({ name: 'keyplane_key_verifications_total', help: 'Key verifications by outcome', labelNames: ['code'], registry });
  return {
    registry,
    /** One HTTP request answered: counted by route and status, its latency observed by route. */
    httpRequest(route: string, status: number, seconds: number): void {
      httpRequests.inc(route, STATUS_TEXT[status] ?? String(status));
      httpDuration.observe(route, seconds);
    },
    /** One key verification, by outcome. */
    verification(code: VerifyCode): void {
      verifications.inc(code);
    },
    graphqlOperations: new Counter({
      name: 'keyplane_graphql_operations_total',
      help: 'GraphQL operations executed',
      labelNames: ['operation', 'type', 'outcome'],
      registers: [registry],
    }),
    graphqlDuration: new Histogram({
      name: 'keyplane_graphql_operation_duration_seconds',
      help: 'GraphQL execution latency',
      labelNames: ['operation', 'type'],
      buckets,
      registers: [registry],
    }),
    keyCacheSize: new Gauge({ name: 'keyplane_key_cache_entries', help: 'Cached key records', registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
