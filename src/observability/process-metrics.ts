// The process's own metrics (prom-client's defaults: resident memory, V8 heap, external memory,
// event-loop lag, CPU, open handles), once per process on whichever endpoint it serves: a worker-only
// process on WORKER_METRICS_ADDRESS, an API process on /metrics. Operators size workers by these
// (docs/benchmarks.md, many waiting orders).
import { Registry, collectDefaultMetrics } from 'prom-client';

export function createProcessMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'order_relay_' });
  return registry;
}
