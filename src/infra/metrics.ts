import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/** One registry per app instance, so tests can run several in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'keyplane_' });
  const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  return {
    registry,
    httpRequests: new Counter({ name: 'keyplane_http_requests_total', help: 'HTTP requests', labelNames: ['route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({ name: 'keyplane_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['route'], buckets, registers: [registry] }),
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
    verifications: new Counter({ name: 'keyplane_key_verifications_total', help: 'Key verifications by outcome', labelNames: ['code'], registers: [registry] }),
    keyCacheSize: new Gauge({ name: 'keyplane_key_cache_entries', help: 'Cached key records', registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
