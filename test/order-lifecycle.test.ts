// The order's edges (#11): the relay never says one thing while Hublify holds another. Cancel, amend
// during an injection, a rejection after the 2xx, duplicates, and a re-sent webhook — each on the real
// dev server and the Hublify sandbox, counting the order_create calls the sandbox received.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { HublifyClient } from '../src/hublify/client';
import { orderWorkflowSettings } from '../src/orders/order-settings';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import { startOrder, startOrderAndAwaitVerdict } from '../src/orders/start-order';
import { pollUntil } from '../src/poll-until';
import { amendUpdate, cancelUpdate, pollNowSignal, requestQuery, retrySignal } from '../workflows/order-messages';
import { CANCEL_REFUSED_IN_HUBLIFY, type OrderStatus, type OrderWorkflowSettings } from '../workflows/order-status';
import { failureType } from '../workflows/failures';
import { sampleOrder } from './helpers/sample-order';
import { SHORT_INJECT_RETRY, relayRecordedStage, stageIs, startTestOrder, waitForStatus } from './helpers/orders';
import { PATIENCE_MS } from './helpers/patience';
import { startTestSystem, type TestSystem } from './helpers/system';
import { deliverOrder } from './helpers/webhook';
import { startNotifySink, type NotifySink } from './helpers/notify-sink';

const slowPolls = { pollSchedule: parsePollSchedule('1h') };
const stages = (s: OrderStatus) => s.history.map((h) => h.stage);

/** Ends a test's order: support stops the relay's tracking. */
async function stopTracking(handle: WorkflowHandle): Promise<void> {
  try {
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test done', stopTracking: true }] });
  } catch (err) {
    // Diagnostics for an update the server refused: the gRPC cause says why.
    const history = await handle.fetchHistory();
    const taskFailures = (history.events ?? [])
      .filter((e) => e.workflowTaskFailedEventAttributes)
      .map(
        (e) =>
          JSON.stringify(e.workflowTaskFailedEventAttributes?.failure?.message) +
          ' ' +
          (e.workflowTaskFailedEventAttributes?.failure?.stackTrace ?? ''),
      );
    throw new Error(
      `stop tracking failed: ${String(err)}; cause: ${String((err as Error).cause)}; task failures: ${taskFailures.join(' | ')}`,
      { cause: err },
    );
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  // Waits on the event itself; PATIENCE_MS only bounds a test whose event never comes, and says which.
  await pollUntil(check, { what, timeoutMs: PATIENCE_MS, everyMs: 50 });
}

void describe('order lifecycle edges (#11)', () => {
  let system: TestSystem;
  let sink: NotifySink;
  before(async () => {
    sink = await startNotifySink();
    system = await startTestSystem({ NOTIFY_WEBHOOK_URL: sink.url, NOTIFY_FORMAT: 'json' });
  });
  after(async () => {
    await system?.close();
    await sink?.close();
  });
  const noticesFor = (orderNumber: string) => sink.received.filter((n) => JSON.stringify(n.body).includes(orderNumber));
  const createCalls = (orderNumber: string) => system.sandbox.orderCreateCalls(orderNumber);
  const inSandbox = (orderNumber: string) =>
    system.sandbox.orders().filter((o) => o.o_orderid_external === orderNumber);
  const starter = (settings: Partial<OrderWorkflowSettings> = {}) => ({
    client: system.relay.client,
    taskQueue: system.config.TEMPORAL_TASK_QUEUE,
    settings: () => ({ ...orderWorkflowSettings(system.config), ...settings }),
    recordedStage: relayRecordedStage(system),
  });

  void describe('cancel means what Hublify does', () => {
    void it('is refused while Hublify holds the order; the relay then follows Hublify’s cancelled state', async () => {
      const order = sampleOrder();
      const handle = await startTestOrder(system, order, slowPolls);
      await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
      await assert.rejects(
        handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer phoned' }] }),
        (err: unknown) => {
          assert.ok(err instanceof WorkflowUpdateFailedError);
          assert.equal(failureType(err), CANCEL_REFUSED_IN_HUBLIFY);
          assert.match(String((err.cause as Error).message), /cancel it in Hublify/);
          return true;
        },
      );
      assert.equal((await waitForStatus(handle, () => true)).stage, 'WAITING_FOR_SHIPMENT', 'nothing changed');

      system.sandbox.setState(order.order_number, 'cancelled');
      await handle.signal(pollNowSignal);
      const result = await handle.result();
      assert.equal(result.stage, 'CANCELLED');
      assert.match(result.history.at(-1)?.detail ?? '', /cancelled in Hublify/);
      assert.equal(createCalls(order.order_number), 1);
    });

    void it('--stop-tracking stops the relay only and says plainly that the Hublify order is still live', async () => {
      const order = sampleOrder();
      const handle = await startTestOrder(system, order, slowPolls);
      await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
      const outcome = await handle.executeUpdate(cancelUpdate, {
        args: [{ reason: 'duplicate order', stopTracking: true }],
      });
      assert.equal(outcome.outcome, 'stopped-tracking');
      const result = await handle.result();
      assert.equal(result.stage, 'CANCELLED');
      assert.equal(result.hublifyStillLive, true);
      assert.match(result.history.at(-1)?.detail ?? '', /STILL LIVE/);
      assert.equal(inSandbox(order.order_number)[0]?.order_state_code, 'received', 'Hublify still has it, live');
      const record = await system.relay.store!.getOrder(handle.workflowId);
      assert.equal(record?.stage, 'CANCELLED');
      assert.match(record?.stages.at(-1)?.detail ?? '', /STILL LIVE/);
      assert.equal((await handle.describe()).status.name, 'COMPLETED');
    });

    void it('while order_create is in flight: waits for the call, asks Hublify, and records what Hublify has', async () => {
      const order = sampleOrder();
      // Slower than the cancel or amendment, well within the client's timeout: the call succeeds late.
      system.sandbox.injectFault({ kind: 'slow', delayMs: 1_000, count: 1, verbs: ['order_create'] });
      const handle = await startTestOrder(system, order, slowPolls);
      await until('order_create reached the sandbox', () => createCalls(order.order_number) === 1);
      const outcome = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer phoned' }] });
      assert.equal(outcome.outcome, 'in-hublify', JSON.stringify(outcome));
      assert.match(outcome.hublifyOrderId ?? '', /^ACHN-/);
      const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
      assert.equal(status.hublify?.orderId, outcome.hublifyOrderId, 'the relay knows the order Hublify created');
      assert.equal(createCalls(order.order_number), 1, 'no second order_create');
      await stopTracking(handle);
    });

    void it('while injection retries through an outage: cancelled, Hublify never had it, and a re-sent webhook does not revive it', async () => {
      const order = sampleOrder();
      system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_create'] });
      try {
        const handle = await startTestOrder(system, order, slowPolls);
        await until('order_create was tried', () => createCalls(order.order_number) >= 1);
        const outcome = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer phoned' }] });
        assert.equal(outcome.outcome, 'cancelled');
        const result = await handle.result();
        assert.equal(result.stage, 'CANCELLED');
        assert.equal(result.cancelReason, 'customer phoned');
        assert.equal(inSandbox(order.order_number).length, 0);

        // 11.7: the same order re-sent answers 200 CANCELLED and starts nothing.
        const calls = createCalls(order.order_number);
        const again = await startOrder(starter(), order, 'webhook');
        assert.equal(again.alreadyFinished, true);
        assert.equal(again.finalStage, 'CANCELLED');
        const delivery = await deliverOrder(system.baseUrl, order);
        assert.equal(delivery.status, 200, JSON.stringify(delivery.body));
        assert.equal(delivery.body.stage, 'CANCELLED');
        assert.equal(
          (await system.relay.client.workflow.count(`WorkflowId = "${handle.workflowId}"`)).count,
          1,
          'no second run',
        );
        assert.equal(createCalls(order.order_number), calls);
      } finally {
        system.sandbox.clearFaults();
      }
    });
  });

  void describe('an amendment is never lost or misreported', () => {
    void it('during an order_create outage: answers pending, and the next attempt sends the corrected street', async () => {
      const order = sampleOrder();
      system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_create'] });
      const handle = await startTestOrder(system, order, { ...slowPolls, amendWaitMs: 500 });
      await until('order_create was tried', () => createCalls(order.order_number) >= 1);
      const amended = await handle.executeUpdate(amendUpdate, {
        args: [{ order: { deliver_street: 'Neue Straße' }, note: 'customer moved' }],
      });
      assert.equal(amended.outcome, 'pending', JSON.stringify(amended));
      assert.deepEqual(amended.pendingFields, ['deliver_street']);
      assert.deepEqual(amended.updated, []);
      system.sandbox.clearFaults();
      const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
      assert.equal(
        inSandbox(order.order_number)[0]?.order.deliver_street,
        'Neue Straße',
        'Hublify got the corrected street',
      );
      assert.equal((await handle.query(requestQuery))?.fields.order.deliver_street, 'Neue Straße');
      assert.ok(
        status.history.some((h) => /deliver_street.*note: customer moved/.test(h.detail ?? '')),
        'the note is in the stage history',
      );
      await stopTracking(handle);
    });

    void it('while an attempt in flight creates the order with the old street: order_update follows, and the result says so', async () => {
      const order = sampleOrder();
      // Slower than the cancel or amendment, well within the client's timeout: the call succeeds late.
      system.sandbox.injectFault({ kind: 'slow', delayMs: 1_000, count: 1, verbs: ['order_create'] });
      const handle = await startTestOrder(system, order, slowPolls);
      await until('order_create reached the sandbox', () => createCalls(order.order_number) === 1);
      const amended = await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
      assert.equal(amended.outcome, 'updated', JSON.stringify(amended));
      assert.deepEqual(amended.updated, ['deliver_street']);
      assert.match(amended.hublifyOrderId ?? '', /^ACHN-/);
      const held = inSandbox(order.order_number);
      assert.equal(held.length, 1);
      assert.equal(held[0]?.order.deliver_street, 'Neue Straße', 'what the result says is what Hublify holds');
      assert.equal(held[0]?.updates.length, 1, 'one order_update');
      assert.equal(createCalls(order.order_number), 1);
      await stopTracking(handle);
    });
  });

  void describe('no silent end after a 2xx', () => {
    const badPrice = () => sampleOrder({ theoretical_price: '25,00' });

    void it('accepted mode: a rejection after the 200 waits in NEEDS_ATTENTION with its reasons', async () => {
      const order = badPrice();
      const handle = await startTestOrder(system, order);
      const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
      assert.ok(
        stuck.rejectionReasons.some((r) => /theoretical_price/.test(r)),
        JSON.stringify(stuck.rejectionReasons),
      );
      assert.match(stuck.lastError ?? '', /after its 2xx/);
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      // Support is told once, with ids, stage and failure type only (16.1).
      await until('support was notified', () => noticesFor(order.order_number).length >= 1);
      const notice = JSON.stringify(noticesFor(order.order_number)[0]?.body);
      assert.match(notice, /NEEDS_ATTENTION/);
      assert.match(notice, /OrderRejected/);
      assert.doesNotMatch(notice, /Müllerstraße|theoretical_price/, 'no address, no reasons text');
      await handle.terminate('test done');
    });

    void it('verified mode answered late (202): the later rejection also waits in NEEDS_ATTENTION', async () => {
      const order = badPrice();
      // The caller's deadline has passed already: the workflow answers `pending`, as to a 202.
      const late = await startOrderAndAwaitVerdict(
        starter(),
        order,
        'webhook',
        new AbortController().signal,
        Date.now(),
      );
      assert.equal(late.verdict.pending, true);
      const handle = system.relay.client.workflow.getHandle(late.workflowId);
      const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
      assert.match(stuck.lastError ?? '', /after its 2xx/);
      // A redelivery now shows the customer the 422: only then does the order end REJECTED.
      const shown = await deliverOrder(system.baseUrl, order);
      assert.equal(shown.status, 422, JSON.stringify(shown.body));
      await waitForStatus(handle, stageIs('REJECTED'));
    });

    void it('verified mode in time: the customer sees the 422 and the order ends REJECTED', async () => {
      const order = badPrice();
      const delivery = await deliverOrder(system.baseUrl, order);
      assert.equal(delivery.status, 422, JSON.stringify(delivery.body));
      const handle = system.relay.client.workflow.getHandle(String(delivery.body.workflowId));
      assert.equal((await handle.describe()).status.name, 'FAILED');
      assert.deepEqual(stages(await waitForStatus(handle, () => true)), ['RECEIVED', 'REJECTED']);
    });
  });

  void describe('a duplicate is adopted only when it is ours', () => {
    const hublify = () =>
      new HublifyClient({
        baseUrl: system.config.HUBLIFY_URL!,
        channel: system.config.HUBLIFY_CHANNEL,
        token: system.config.HUBLIFY_CHANNEL_TOKEN!,
        timeoutMs: 5_000,
      });

    void it('another order under our number in Hublify: NEEDS_ATTENTION, nothing adopted', async () => {
      const order = sampleOrder();
      await hublify().orderCreate({
        fields: {
          person: { p_personid_external: 'SOMEONE-ELSE' },
          order: {
            o_orderid_external: order.order_number,
            invoice_firstname: 'Erika',
            invoice_lastname: 'Other',
            invoice_street: 'Elsewhere',
            invoice_housenr: '1',
            invoice_zip: '10115',
            invoice_town: 'Berlin',
            invoice_country: 'DE',
            orderitems: [{ oi_pcode: 'EK00001', oi_quantity: 9 }],
          },
        },
      });
      const handle = await startTestOrder(system, order);
      const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
      assert.match(stuck.lastError ?? '', /another order holds this number/);
      assert.equal(stuck.hublify, null);
      await handle.terminate('test done');
    });

    void it('our own order, already shipped in Hublify: adopted and SHIPPED at once', async () => {
      const order = sampleOrder();
      const first = await startTestOrder(system, order, slowPolls);
      await waitForStatus(first, stageIs('WAITING_FOR_SHIPMENT'));
      system.sandbox.ship(order.order_number, { shipments: [{ trackingCode: 'ADOPT-1' }] });
      await first.terminate('test: the relay lost this run');
      const again = await startTestOrder(system, order, slowPolls);
      const result = await again.result();
      assert.equal(result.stage, 'SHIPPED');
      assert.match(result.history.find((h) => h.stage === 'INJECTED')?.detail ?? '', /already in Hublify/);
      assert.deepEqual(
        result.shipments.map((s) => s.trackingCode),
        ['ADOPT-1'],
      );
      assert.equal(inSandbox(order.order_number).length, 1);
      assert.equal(createCalls(order.order_number), 2, 'the second run asked once and got the duplicate answer');
    });
  });

  void it('a second shipment without a tracking code from the same carrier is still recorded', async () => {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, slowPolls);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    system.sandbox.ship(order.order_number, {
      partial: true,
      shipments: [{ carrier: 'dhl', trackingCode: null, sentAt: '2026-11-20 10:00:00' }],
    });
    await handle.signal(pollNowSignal);
    await waitForStatus(handle, (s) => s.shipments.length === 1);
    system.sandbox.ship(order.order_number, {
      shipments: [{ carrier: 'dhl', trackingCode: null, sentAt: '2026-11-20 10:00:00' }],
    });
    await handle.signal(pollNowSignal);
    const result = await handle.result();
    assert.equal(result.shipments.length, 2, JSON.stringify(result.shipments));
  });

  void it('a failing notification sink never holds the order up, and each stage is notified once', async () => {
    const order = sampleOrder();
    sink.status = 500;
    system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_create'] });
    try {
      const handle = await startTestOrder(system, order, { ...slowPolls, injectRetry: SHORT_INJECT_RETRY });
      await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
      await until('the sink was tried and failed', () => noticesFor(order.order_number).length >= 1);
      system.sandbox.clearFaults();
      await handle.signal(retrySignal, {});
      // The order goes on while the notice is still being retried.
      await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
      sink.status = 200;
      await until('the retried notice got through', () => noticesFor(order.order_number).some((n) => n.status === 200));
      system.sandbox.ship(order.order_number);
      await handle.signal(pollNowSignal);
      assert.equal((await handle.result()).stage, 'SHIPPED');
      assert.equal(
        noticesFor(order.order_number).filter((n) => n.status === 200).length,
        1,
        'NEEDS_ATTENTION notified once',
      );
    } finally {
      sink.status = 200;
      system.sandbox.clearFaults();
    }
  });

  void it('a retry note is in the stage history', async () => {
    const order = sampleOrder();
    system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_create'] });
    const handle = await startTestOrder(system, order, { ...slowPolls, injectRetry: SHORT_INJECT_RETRY });
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    system.sandbox.clearFaults();
    await handle.signal(retrySignal, { note: 'Hublify is back' });
    const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.ok(status.history.some((h) => /retry requested \(note: Hublify is back\)/.test(h.detail ?? '')));
    assert.equal(inSandbox(order.order_number).length, 1);
    await stopTracking(handle);
  });
});
