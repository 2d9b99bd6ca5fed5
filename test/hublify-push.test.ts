// POST /webhooks/hublify/orders: Hublify's outbound webhook (its order_get data) wakes the order's
// workflow, which polls at once instead of at its next scheduled time. Real HTTP, real Temporal dev
// server, the Hublify sandbox; the poll schedule is an hour, so only the push can explain a SHIPPED.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { orderWorkflowId } from '../src/apicbase/order';
import { createHttpApp, listen } from '../src/http/app';
import { createHttpMetrics } from '../src/http/metrics';
import { hublifyWebhookRoutes } from '../src/ingress/hublify-webhook';
import { createLogger } from '../src/logger';
import type { HublifyOrderData } from '../src/hublify/types';
import { statusQuery } from '../workflows/order-messages';
import { LogSink, eventually, metricValue, postRaw } from './helpers/ingress';
import { stageIs, waitForStatus } from './helpers/orders';
import { sampleOrder } from './helpers/sample-order';
import { TEST_HUBLIFY_PUSH_TOKEN, useTestSystem } from './helpers/system';
import { waitForVisible } from './helpers/visibility';
import { deliverOrder } from './helpers/webhook';

const PUSH_PATH = '/webhooks/hublify/orders';

void describe('Hublify status push: real HTTP, real Temporal dev server, Hublify sandbox', () => {
  const logs = new LogSink();
  const system = useTestSystem({ TRACK_POLL_SCHEDULE: '1h', METRICS_ADDRESS: '127.0.0.1:0' }, { logDestination: logs });
  /** /metrics lives on METRICS_ADDRESS here, not on the public port. */
  const metricsBase = () => system.relay.metricsUrl!.replace(/\/metrics$/, '');

  const push = (
    body: unknown,
    headers: Record<string, string> = { 'x-hublify-webhook-token': TEST_HUBLIFY_PUSH_TOKEN },
    path = PUSH_PATH,
  ) => postRaw(system.baseUrl, path, JSON.stringify(body), { 'content-type': 'application/json', ...headers });

  /** Delivers a new order and waits until its workflow waits for the shipment (next poll: in an hour). */
  async function waitingOrder(overrides: Parameters<typeof sampleOrder>[0] = {}) {
    const order = sampleOrder(overrides);
    const res = await deliverOrder(system.baseUrl, order);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const handle = system.relay.client.workflow.getHandle(orderWorkflowId(order.id));
    const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.ok(status.hublify, 'injected into Hublify');
    return { order, handle, hublifyId: status.hublify.orderId, polls: status.attempts.polls };
  }

  async function signalsReceived(handle: WorkflowHandle): Promise<string[]> {
    const history = await handle.fetchHistory();
    return (history.events ?? []).flatMap((e) =>
      e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName ?? ''] : [],
    );
  }

  async function workflowCount(): Promise<number> {
    return (await system.relay.client.workflow.count()).count;
  }

  void it('a push with the token and the order_get data moves a waiting order to SHIPPED without waiting for the next poll; wrong or missing tokens signal nothing', async () => {
    const { handle, hublifyId, polls } = await waitingOrder();
    const shipped: HublifyOrderData = system.sandbox.ship(hublifyId);
    assert.equal(shipped.order_state_code, 'shipped');
    const body = { status: true, data: shipped };

    // Refused: no token, a wrong one, a wrong one in the query string, the right one for another header.
    const refused = [
      await push(body, {}),
      await push(body, { 'x-hublify-webhook-token': 'wrong-token' }),
      await push(body, { 'x-hublify-webhook-token': `${TEST_HUBLIFY_PUSH_TOKEN}x` }),
      await push(body, {}, `${PUSH_PATH}?token=wrong-token`),
      await push(body, { authorization: `Bearer ${TEST_HUBLIFY_PUSH_TOKEN}` }),
    ];
    for (const res of refused) assert.equal(res.status, 401, res.text);
    // A 401 is answered before any signal is sent; the history below, after the real push, shows
    // that none came later either.
    const untouched = await handle.query(statusQuery);
    assert.equal(untouched.stage, 'WAITING_FOR_SHIPMENT', 'shipped in Hublify, but nobody told the workflow');
    assert.equal(untouched.attempts.polls, polls, 'no poll happened');
    assert.deepEqual(await signalsReceived(handle), [], 'no signal reached the workflow');

    // The real push. The next scheduled poll is an hour away: only the push can explain a SHIPPED.
    const res = await push(body);
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.json, { workflowId: handle.workflowId, signalled: 'statusChanged' });
    const status = await waitForStatus(handle, stageIs('SHIPPED'));
    assert.equal(status.hublify?.state, 'shipped');
    assert.equal(status.shipments.length, 1, JSON.stringify(status.shipments));
    assert.deepEqual(await signalsReceived(handle), ['statusChanged']);
    assert.equal(await metricValue(metricsBase(), 'order_relay_hublify_pushes_total', { outcome: 'signalled' }), 1);
    assert.equal(
      await metricValue(metricsBase(), 'order_relay_hublify_pushes_total', { outcome: 'unauthorised' }),
      refused.length,
    );

    // The workflow finished: a later push for it finds nothing waiting.
    await eventually(async () => assert.equal((await handle.describe()).status.name, 'COMPLETED'));
    const late = await push(body);
    assert.equal(late.status, 404, late.text);
  });

  void it('finds the order by Hublify orderid alone, and accepts the token in the query string', async () => {
    const { handle, hublifyId } = await waitingOrder();
    const shipped = system.sandbox.ship(hublifyId);
    const mark = logs.lines.length;
    const res = await push(
      { status: true, data: { orderid: shipped.orderid, order_state_code: shipped.order_state_code } },
      {},
      `${PUSH_PATH}?token=${TEST_HUBLIFY_PUSH_TOKEN}`,
    );
    assert.equal(res.status, 202, res.text);
    await waitForStatus(handle, stageIs('SHIPPED'));
    const wrong = await push({ status: true, data: {} }, {}, `${PUSH_PATH}?token=${TEST_HUBLIFY_PUSH_TOKEN}-wrong&x=1`);
    assert.equal(wrong.status, 401);

    // The request log names the route, never the query string that carried the token.
    await eventually(() =>
      assert.ok(logs.since(mark).filter((l) => l.includes(PUSH_PATH)).length >= 2, 'both pushes were logged'),
    );
    for (const line of logs.lines)
      assert.ok(!line.includes(TEST_HUBLIFY_PUSH_TOKEN), `a log line holds the push token: ${line.slice(0, 200)}`);
    const urls = logs.since(mark).flatMap((l) => {
      const url = (JSON.parse(l) as { req?: { url?: string } }).req?.url;
      return url ? [url] : [];
    });
    assert.ok(urls.length >= 2 && urls.every((u) => u === PUSH_PATH), JSON.stringify(urls));
  });

  void it("prefers Hublify's orderid over the order number, and answers 409 (signalling nobody) when more than one running order matches", async () => {
    const a = await waitingOrder();
    const b = await waitingOrder();
    // orderid names A, the order number names B: the orderid wins.
    const preferred = await push({
      status: true,
      data: { orderid: a.hublifyId, o_orderid_external: b.order.order_number },
    });
    assert.equal(preferred.status, 202, preferred.text);
    assert.equal(preferred.json?.workflowId, a.handle.workflowId);
    assert.deepEqual(await signalsReceived(a.handle), ['statusChanged']);
    assert.deepEqual(await signalsReceived(b.handle), []);

    // Two running workflows for one order number (Apicbase ids differ): which one is meant cannot be told.
    const orderNumber = `PO-DUP-${Date.now()}`;
    const first = await waitingOrder({ order_number: orderNumber });
    const second = await waitingOrder({ order_number: orderNumber });
    await eventually(async () => {
      const { count } = await system.relay.client.workflow.count(
        `OrderNumber = "${orderNumber}" AND ExecutionStatus = "Running"`,
      );
      assert.equal(count, 2);
    });
    const ambiguousBefore = await metricValue(metricsBase(), 'order_relay_hublify_pushes_total', {
      outcome: 'ambiguous',
    });
    const res = await push({ status: true, data: { o_orderid_external: orderNumber, order_state_code: 'shipped' } });
    assert.equal(res.status, 409, res.text);
    assert.deepEqual(
      [...((res.json?.workflowIds as string[]) ?? [])].sort(),
      [first.handle.workflowId, second.handle.workflowId].sort(),
    );
    assert.deepEqual(await signalsReceived(first.handle), []);
    assert.deepEqual(await signalsReceived(second.handle), []);
    assert.equal(
      await metricValue(metricsBase(), 'order_relay_hublify_pushes_total', { outcome: 'ambiguous' }),
      ambiguousBefore + 1,
    );

    // A value visibility cannot match reliably (the operator API's quoting rule) is refused, not escaped.
    const quoted = await push({ status: true, data: { o_orderid_external: 'PO-1" OR OrderNumber != "x' } });
    assert.equal(quoted.status, 422, quoted.text);
    assert.match(String(quoted.json?.error), /cannot be searched/);
  });

  void it('the token is checked before the body is read, and one 401 tells no caller whether a token is configured (issue 24.9)', async () => {
    const unauthorisedBefore = await metricValue(metricsBase(), 'order_relay_hublify_pushes_total', {
      outcome: 'unauthorised',
    });
    const invalidBefore = await metricValue(metricsBase(), 'order_relay_hublify_pushes_total', { outcome: 'invalid' });
    // Bodies the JSON parser would refuse (400) or not even read (413, over 256 kB): without the token
    // they never reach it, so the answer is the token's 401.
    const unparsable = await postRaw(system.baseUrl, PUSH_PATH, '{"data":', { 'content-type': 'application/json' });
    const tooLarge = await postRaw(system.baseUrl, PUSH_PATH, `{"data":"${'x'.repeat(300_000)}"}`, {
      'content-type': 'application/json',
      'x-hublify-webhook-token': 'wrong-token',
    });
    const configured = [unparsable, tooLarge];
    for (const res of configured) assert.equal(res.status, 401, res.text);
    assert.equal(
      (await metricValue(metricsBase(), 'order_relay_hublify_pushes_total', { outcome: 'unauthorised' })) -
        unauthorisedBefore,
      configured.length,
      'both counted as unauthorised',
    );
    assert.equal(
      await metricValue(metricsBase(), 'order_relay_hublify_pushes_total', { outcome: 'invalid' }),
      invalidBefore,
      'none reached validation',
    );

    // The same route with no HUBLIFY_WEBHOOK_TOKEN: the same 401, word for word.
    const app = createHttpApp({
      logger: createLogger('silent'),
      metrics: createHttpMetrics(),
      readiness: [],
      routers: [hublifyWebhookRoutes({ client: system.relay.client, token: undefined, metrics: createHttpMetrics() })],
    });
    const unconfigured = await listen(app, '127.0.0.1', 0);
    try {
      const base = `http://127.0.0.1:${unconfigured.port}`;
      for (const token of [undefined, 'any-token-at-all-1234', TEST_HUBLIFY_PUSH_TOKEN]) {
        const headers = { 'content-type': 'application/json', ...(token ? { 'x-hublify-webhook-token': token } : {}) };
        const res = await postRaw(base, PUSH_PATH, '{"status": true, "data": {}}', headers);
        assert.equal(res.status, 401, res.text);
        assert.equal(res.text, unparsable.text, 'the same answer as for a wrong token where one is configured');
        assert.doesNotMatch(res.text, /configured|HUBLIFY_WEBHOOK_TOKEN/);
      }
    } finally {
      await unconfigured.close();
    }
  });

  void it('METRICS_ADDRESS: /metrics is served on its own address, and no longer on the public port', async () => {
    const publicPort = await fetch(`${system.baseUrl}/metrics`);
    assert.equal(publicPort.status, 404);
    const own = await fetch(system.relay.metricsUrl!);
    assert.equal(own.status, 200);
    const text = await own.text();
    assert.match(text, /^# TYPE order_relay_http_requests_total counter$/m);
    assert.match(text, /^# TYPE order_relay_hublify_pushes_total counter$/m);
    assert.match(
      text,
      /order_relay_orders_received_total/,
      "the worker's business metrics too (api,worker in one process)",
    );
    assert.notEqual(new URL(system.relay.metricsUrl!).port, String(system.relay.httpPort));
    assert.equal((await fetch(`${system.baseUrl}/healthz`)).status, 200, 'the public port still serves the rest');
  });

  void it('an unknown order gets 404; a push never starts a workflow', async () => {
    const { handle } = await waitingOrder();
    // Visibility is eventually consistent: count once it shows the newest start.
    await waitForVisible(system.relay.client, `WorkflowId = "${handle.workflowId}"`);
    const before = await workflowCount();
    const unknownBefore = await metricValue(metricsBase(), 'order_relay_hublify_pushes_total', {
      outcome: 'unknown-order',
    });

    const unknown = [
      {
        status: true,
        data: { orderid: 'ACHN-99999999', o_orderid_external: 'PO-not-ours', order_state_code: 'shipped' },
      },
      { status: true, data: { o_orderid_external: 'PO-not-ours' } },
      { status: true, data: { orderid: 'ACHN-99999998' } },
      { status: true, data: {} },
    ];
    for (const body of unknown) {
      const res = await push(body);
      assert.equal(res.status, 404, `${JSON.stringify(body)}: ${res.text}`);
    }
    // Not Hublify's order_get data at all.
    for (const body of [{ status: true }, { data: 'shipped' }, []]) {
      const res = await push(body);
      assert.equal(res.status, 422, `${JSON.stringify(body)}: ${res.text}`);
    }
    const malformed = await postRaw(system.baseUrl, PUSH_PATH, '{"data":', {
      'content-type': 'application/json',
      'x-hublify-webhook-token': TEST_HUBLIFY_PUSH_TOKEN,
    });
    assert.equal(malformed.status, 400, malformed.text);

    // A marker order started after the pushes: once visibility shows it, it shows anything a push
    // could have started before it.
    const marker = await waitingOrder();
    await waitForVisible(system.relay.client, `WorkflowId = "${marker.handle.workflowId}"`);
    assert.equal(await workflowCount(), before + 1, 'no workflow was started but the marker');
    const unknownAfter = await metricValue(metricsBase(), 'order_relay_hublify_pushes_total', {
      outcome: 'unknown-order',
    });
    assert.equal(unknownAfter - unknownBefore, unknown.length, 'unknown orders are counted');
    // The waiting order was not disturbed by pushes for other orders.
    assert.deepEqual(await eventually(async () => handle.query(statusQuery)).then((s) => [s.stage, s.attempts.polls]), [
      'WAITING_FOR_SHIPMENT',
      0,
    ]);
  });
});
