// The tests' and benchmarks' reader of /metrics text (test/helpers/prometheus-text.ts).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { exportedMetricNames, metricSum, metricValues } from './helpers/prometheus-text';

void it('reads samples by name and labels from what prom-client serves, label values with quotes and commas included', async () => {
  const registry = new Registry();
  const requests = new Counter({
    name: 'reqs_total',
    help: 'h',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  requests.inc({ route: '/a,"b"', status: '200' }, 2);
  requests.inc({ route: '/c', status: '200' }, 3);
  requests.inc({ route: '/c', status: '500' });
  const latency = new Histogram({ name: 'latency_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] });
  latency.observe(0.5);
  const text = await registry.metrics();

  assert.equal(metricSum(text, 'reqs_total'), 6);
  assert.equal(metricSum(text, 'reqs_total', { status: '200' }), 5);
  assert.deepEqual(metricValues(text, 'reqs_total', { route: '/a,"b"' }), [2]);
  assert.deepEqual(metricValues(text, 'reqs_total', { route: '/nowhere' }), []);
  assert.equal(metricSum(text, 'reqs_total', { route: '/nowhere' }), 0);
  assert.deepEqual(metricValues(text, 'latency_seconds_bucket', { le: '0.1' }), [0]);
  assert.deepEqual(metricValues(text, 'latency_seconds_bucket', { le: '+Inf' }), [1]);
  assert.equal(metricSum(text, 'latency_seconds_sum'), 0.5);
  const names = exportedMetricNames(text);
  for (const name of ['reqs_total', 'latency_seconds', 'latency_seconds_bucket', 'latency_seconds_count'])
    assert.ok(names.has(name), name);
});
