// Observability: the business metrics (received, accepted, rejected, injected, needs attention,
// overdue, shipped; receipt → injection and → shipment) counted as real orders flow, served with the
// Temporal SDK's own metrics on the worker's Prometheus endpoint and on the API's /metrics; and the
// structured log lines of activities carrying the workflow id and the order number.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { orderWorkflowId } from '../src/apicbase/order';
import { createLogger } from '../src/logger';
import { createBusinessMetrics } from '../src/observability/business-metrics';
import { freeLoopbackPort } from '../src/net/free-port';
import { installTemporalRuntime, temporalSdkMetricsAddress } from '../src/temporal/runtime';
import { LogSink, eventually } from './helpers/ingress';
import { stageIs, waitForStatus } from './helpers/orders';
import { metricSum, metricValues } from './helpers/prometheus-text';
import { orderWithUnknownArticle, sampleOrder } from './helpers/sample-order';
import { startTestSystem, type TestSystem } from './helpers/system';
import { deliverOrder } from './helpers/webhook';

const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined =>
  metricValues(text, name, labels).length > 0 ? metricSum(text, name, labels) : undefined;

void describe('business metrics (unit)', () => {
  void it('counts a stage change once, however often the activity is retried, and not a re-entry of the same stage', () => {
    const m = createBusinessMetrics();
    const t = {
      workflowId: 'w',
      stage: 'INJECTED',
      previousStage: 'VERIFIED',
      at: '2026-01-01T00:00:10Z',
      receivedAt: '2026-01-01T00:00:00Z',
    };
    assert.equal(m.recordTransition(t), true);
    assert.equal(m.recordTransition(t), false, 'a retried recordStage');
    assert.equal(
      m.recordTransition({ ...t, stage: 'OVERDUE', previousStage: 'OVERDUE', at: '2026-01-01T00:01:00Z' }),
      false,
    );
    assert.equal(
      m.recordTransition({
        ...t,
        previousStage: 'RECEIVED',
        stage: 'VERIFIED',
        at: '2026-01-01T00:00:05Z',
        source: 'pull',
      }),
      true,
    );
    return m.registry.metrics().then((text) => {
      assert.equal(sample(text, 'order_relay_orders_injected_total'), 1);
      assert.equal(sample(text, 'order_relay_orders_overdue_total'), 0);
      assert.equal(sample(text, 'order_relay_orders_received_total', { source: 'pull' }), 1);
      assert.equal(sample(text, 'order_relay_order_receipt_to_injection_seconds_count'), 1);
      assert.equal(sample(text, 'order_relay_order_receipt_to_injection_seconds_sum'), 10);
      assert.equal(sample(text, 'order_relay_order_receipt_to_injection_seconds_bucket', { le: '15' }), 1);
      assert.equal(sample(text, 'order_relay_order_receipt_to_injection_seconds_bucket', { le: '5' }), 0);
    });
  });
});

void describe('observability of a running system', () => {
  let system: TestSystem;
  const logs = new LogSink();
  const shipped = sampleOrder();
  const rejected = sampleOrder({ status: 'DRAFT' });
  const refused = orderWithUnknownArticle();
  const late = sampleOrder({ expected_delivery_date: new Date(Date.now() + 1_500).toISOString() });
  // Receipt → shipment happened between the first delivery and the test seeing SHIPPED.
  let sentAt = 0;
  let shippedSeenAt = 0;

  before(async () => {
    // The SDK's metrics exporter is part of the runtime, installed once per process: install it first
    // (as startOrderRelay does for `npm start`), on a free port, with the log sink.
    installTemporalRuntime(createLogger('info', logs), { sdkMetricsAddress: `127.0.0.1:${await freeLoopbackPort()}` });
    system = await startTestSystem({}, { logDestination: logs });

    sentAt = Date.now();
    const ok = await deliverOrder(system.baseUrl, shipped);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await deliverOrder(system.baseUrl, rejected)).status, 422);
    assert.equal((await deliverOrder(system.baseUrl, refused)).status, 200);
    assert.equal((await deliverOrder(system.baseUrl, late)).status, 200);
    const handle = (o: { id: string }) => system.relay.client.workflow.getHandle(orderWorkflowId(o.id));
    await waitForStatus(handle(shipped), stageIs('WAITING_FOR_SHIPMENT'));
    system.sandbox.ship(shipped.order_number);
    await Promise.all([
      waitForStatus(handle(shipped), stageIs('SHIPPED')).then(() => (shippedSeenAt = Date.now())),
      waitForStatus(handle(refused), stageIs('NEEDS_ATTENTION')),
      waitForStatus(handle(late), stageIs('OVERDUE')),
    ]);
    // The status query shows a stage as the workflow enters it; the metrics count it when its
    // recordStage activity has run, a moment later. Wait for that, not a fixed time.
    const recorded = async () => {
      const text = await (await fetch(system.relay.workerMetricsUrl!)).text();
      return ['shipped', 'needs_attention', 'overdue'].every(
        (m) => sample(text, `order_relay_orders_${m}_total`) === 1,
      );
    };
    await eventually(async () => assert.ok(await recorded(), 'the last stage changes were recorded'));
  });
  after(async () => {
    await system?.close();
  });

  const scrape = async (url: string) => {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    return res.text();
  };

  const expectBusinessMetrics = (text: string) => {
    const counts = {
      order_relay_orders_accepted_total: 3,
      order_relay_orders_rejected_total: 1,
      order_relay_orders_injected_total: 2,
      order_relay_orders_needs_attention_total: 1,
      order_relay_orders_overdue_total: 1,
      order_relay_orders_shipped_total: 1,
      order_relay_orders_cancelled_total: 0,
    };
    for (const [name, value] of Object.entries(counts)) assert.equal(sample(text, name), value, name);
    assert.equal(sample(text, 'order_relay_orders_received_total', { source: 'webhook' }), 4);
    assert.equal(sample(text, 'order_relay_order_receipt_to_injection_seconds_count'), 2);
    assert.equal(sample(text, 'order_relay_order_receipt_to_shipment_seconds_count'), 1);
    const toShipment = sample(text, 'order_relay_order_receipt_to_shipment_seconds_sum')!;
    assert.ok(
      toShipment > 0 && toShipment <= (shippedSeenAt - sentAt) / 1000 + 0.001,
      `receipt → shipment took ${toShipment}s`,
    );
  };

  void it("the worker's Prometheus endpoint has the business metrics with the right values and the Temporal SDK's own", async () => {
    assert.ok(system.relay.workerMetricsUrl, 'a worker metrics endpoint');
    assert.ok(temporalSdkMetricsAddress(), 'the SDK exports metrics');
    const text = await scrape(system.relay.workerMetricsUrl);
    expectBusinessMetrics(text);
    // The SDK's own (from its native core): workers, pollers, task latencies.
    assert.match(text, /^temporal_worker_start\{[^}]*task_queue="order-relay"/m);
    assert.match(text, /^temporal_activity_execution_latency_bucket\{[^}]*activity_type="injectOrder"/m);
    assert.match(text, /^temporal_workflow_task_execution_latency_bucket/m);
  });

  void it("both endpoints carry the process's own metrics (memory, V8 heap, event loop), each metric family once", async () => {
    for (const url of [system.relay.workerMetricsUrl!, `${system.baseUrl}/metrics`]) {
      const text = await scrape(url);
      assert.ok((sample(text, 'order_relay_process_resident_memory_bytes') ?? 0) > 0, `${url}: resident memory`);
      assert.ok((sample(text, 'order_relay_nodejs_heap_size_used_bytes') ?? 0) > 0, `${url}: V8 heap used`);
      assert.ok(sample(text, 'order_relay_nodejs_eventloop_lag_p99_seconds') !== undefined, `${url}: event-loop lag`);
      // A family twice in one scrape makes Prometheus refuse the whole scrape.
      const families = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
      assert.deepEqual(
        families.filter((f, i) => families.indexOf(f) !== i),
        [],
        `${url}: metric families listed twice`,
      );
    }
  });

  void it("the API's /metrics (same process) has them too, beside the HTTP metrics", async () => {
    const text = await scrape(`${system.baseUrl}/metrics`);
    expectBusinessMetrics(text);
    assert.match(text, /^temporal_worker_start\{/m);
    assert.ok(
      (sample(text, 'order_relay_http_requests_total', { route: '/webhooks/apicbase/orders', status: '200' }) ?? 0) >=
        3,
    );
  });

  void it('activity log lines are JSON with the workflow id and the order number', () => {
    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const stageLines = lines.filter(
      (l) => l.msg === 'order stage changed' && l.workflowId === orderWorkflowId(shipped.id),
    );
    assert.deepEqual(
      stageLines.map((l) => l.stage),
      ['VERIFIED', 'INJECTED', 'WAITING_FOR_SHIPMENT', 'SHIPPED'],
    );
    for (const l of stageLines) {
      assert.equal(l.orderNumber, shipped.order_number);
      // VERIFIED is recorded by the check itself (patch verified-recorded-by-check), every later stage by recordStage.
      assert.equal(l.activityType, l.stage === 'VERIFIED' ? 'checkOrderRecordingVerified' : 'recordStage');
      assert.equal(l.workflowType, 'orderWorkflow');
    }
    const attention = lines.find((l) => l.msg === 'order stage changed' && l.stage === 'NEEDS_ATTENTION');
    assert.equal(attention?.orderNumber, refused.order_number);
    assert.equal(attention?.workflowId, orderWorkflowId(refused.id));
    assert.match(String(attention?.detail), /Hublify rejected/);
  });
});
