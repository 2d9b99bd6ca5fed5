// The process's own metrics (prom-client's defaults: resident memory, V8 heap, external memory,
// event-loop lag, CPU, open handles), once per process on whichever endpoint it serves: a worker-only
// process on WORKER_METRICS_ADDRESS, an API process on /metrics. Operators size workers by these
// (docs/benchmarks.md, many waiting orders).
import { Registry, collectDefaultMetrics } from 'prom-client';

let registry: Registry | undefined;

/**
 * The process's registry, made on first use and shared by every relay the process runs (tests run
 * several): the metrics describe the process, and prom-client's event-loop monitor has no off switch,
 * so one per relay would pile up monitors.
 */
export function processMetrics(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'order_relay_' });
  }
  return registry;
}
