import { Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process: the services' own metrics plus Node's (memory, event loop, GC). */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
