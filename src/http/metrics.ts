// Prometheus metrics for the HTTP side (served at /metrics, beside the process's own metrics:
// src/observability/process-metrics.ts). One registry per app instance, so tests can run several apps
// in one process without clashing.
import { Counter, Histogram, Registry } from 'prom-client';

export function createHttpMetrics() {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({
      name: 'order_relay_http_requests_total',
      help: 'HTTP requests by route and status code',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    signatureFailures: new Counter({
      name: 'order_relay_webhook_signature_failures_total',
      help: 'Apicbase webhook requests refused for a missing or wrong signature',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    preAuthWorkBytes: new Counter({
      name: 'order_relay_webhook_preauth_work_bytes_total',
      help: 'Bytes the Apicbase webhook worked on before the sender was authenticated: hashed (work="hmac") or re-serialised into the Python form (work="python-form", only bodies up to 64 KiB)',
      labelNames: ['work'] as const,
      registers: [registry],
    }),
    acceptLatency: new Histogram({
      name: 'order_relay_webhook_accept_seconds',
      help: 'Time from receiving an Apicbase order to answering it (durably accepted or refused)',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'order_relay_webhook_duplicates_total',
      help: 'Apicbase orders delivered again for a workflow that already exists',
      registers: [registry],
    }),
    hublifyPushes: new Counter({
      name: 'order_relay_hublify_pushes_total',
      help: 'Hublify status pushes by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type HttpMetrics = ReturnType<typeof createHttpMetrics>;
