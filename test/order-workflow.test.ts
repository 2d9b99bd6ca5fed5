// The order workflow against a real Temporal dev server and the Hublify sandbox over HTTP.
// Timing values are configuration, so every durable wait here takes seconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import {
  amendUpdate,
  cancelReasonSignal,
  pollNowSignal,
  retrySignal,
  statusChangedSignal,
} from '../workflows/order-messages';
import { OrderStage } from '../workflows/search-attributes';
import type { OrderStatus } from '../workflows/order-status';
import type { orderWorkflow } from '../workflows/order-workflow';
import { orderWithUnknownArticle, sampleOrder } from './helpers/sample-order';
import {
  SHORT_INJECT_RETRY,
  relayRecordedStage,
  startTestOrder,
  startTestOrderWithVerdict,
  stageIs,
  waitForStatus,
} from './helpers/orders';
import { useTestSystem } from './helpers/system';
import { operationsContext } from '../src/operations/context';
import { showOrder } from '../src/operations/orders';
import { confirmRejectionShown } from '../src/orders/start-order';

const HOUR = 3_600_000;
const slowPolls = { pollSchedule: parsePollSchedule('1h') };
const stages = (s: OrderStatus) => s.history.map((h) => h.stage);
const distinctInOrder = (list: string[]) => list.filter((x, i) => x !== list[i - 1]);

void describe('order workflow', () => {
  const system = useTestSystem();
  const hublifyOrdersFor = (orderNumber: string) =>
    system.sandbox.orders().filter((o) => o.o_orderid_external === orderNumber);

  void it('happy path: verified, injected, shipped, with tracking recorded in the store', async () => {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order);
    const waiting = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.match(waiting.hublify?.orderId ?? '', /^ACHN-/);
    assert.equal(waiting.hublify?.state, 'received');

    system.sandbox.ship(order.order_number, {
      shipments: [
        {
          carrier: 'dhl',
          carrierName: 'Deutsche Post DHL',
          trackingCode: 'JJD0001',
          traceUrl: 'https://track.example/JJD0001',
        },
      ],
    });
    const result = await handle.result();
    assert.equal(result.stage, 'SHIPPED');
    assert.deepEqual(stages(result), ['RECEIVED', 'VERIFIED', 'INJECTED', 'WAITING_FOR_SHIPMENT', 'SHIPPED']);
    assert.deepEqual(
      result.shipments.map((s) => [s.carrierLabel, s.trackingCode, s.traceUrl]),
      [['dhl', 'JJD0001', 'https://track.example/JJD0001']],
    );

    const record = await system.relay.store!.getOrder(handle.workflowId);
    assert.equal(record?.stage, 'SHIPPED');
    assert.equal(record?.hublifyOrderId, result.hublify?.orderId);
    assert.deepEqual(
      record?.shipments.map((s) => s.trackingCode),
      ['JJD0001'],
    );
    assert.deepEqual(
      record?.stages.map((s) => s.stage),
      ['VERIFIED', 'INJECTED', 'WAITING_FOR_SHIPMENT', 'SHIPPED'],
    );

    const described = await handle.describe();
    assert.equal(described.typedSearchAttributes.get(OrderStage), 'SHIPPED');
    // The mapped request really carried the order: items, external ids, addresses from the directory.
    const injected = hublifyOrdersFor(order.order_number)[0]!;
    assert.equal(injected.person.p_personid_external, 'CUST-001');
    assert.equal(injected.order.invoice_street, 'Müllerstraße');
  });

  void it('a duplicate start yields one workflow and one Hublify order', async () => {
    const order = sampleOrder();
    const [a, b, c] = await Promise.all([
      startTestOrder(system, order),
      startTestOrder(system, order),
      startTestOrder(system, order),
    ]);
    assert.equal(a.workflowId, b.workflowId);
    assert.equal(b.workflowId, c.workflowId);
    await waitForStatus(a, stageIs('WAITING_FOR_SHIPMENT'));
    const again = await startTestOrder(system, order);
    assert.equal(again.workflowId, a.workflowId);
    assert.equal(hublifyOrdersFor(order.order_number).length, 1);
    const runs = await system.relay.client.workflow.count(`WorkflowId = "${a.workflowId}"`);
    assert.equal(runs.count, 1);
  });

  void it('outlives a Hublify outage (errors, drops, hangs) and injects once it is back', async () => {
    const order = sampleOrder();
    system.sandbox.injectFault({ kind: 'http500', forMs: 2_000, verbs: ['order_create'] });
    system.sandbox.injectFault({ kind: 'drop', count: 2, verbs: ['order_create'] });
    system.sandbox.injectFault({ kind: 'http429', count: 1, retryAfterSeconds: 1, verbs: ['order_create'] });
    const handle = await startTestOrder(system, order);
    const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.ok(status.attempts.inject >= 3, `retried: ${status.attempts.inject} attempts`);
    assert.ok(!stages(status).includes('NEEDS_ATTENTION'));
    assert.equal(hublifyOrdersFor(order.order_number).length, 1);
  });

  void it('an outage longer than the retry budget waits for support, then `retry` injects it', async () => {
    const order = sampleOrder();
    system.sandbox.injectFault({ kind: 'http500', forMs: 60_000, verbs: ['order_create'] });
    // A budget far shorter than the 60 s outage.
    const handle = await startTestOrder(system, order, { injectRetry: SHORT_INJECT_RETRY });
    const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.match(stuck.lastError ?? '', /could not be reached/);
    system.sandbox.clearFaults();
    await handle.signal(retrySignal, { note: 'Hublify is back' });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(hublifyOrdersFor(order.order_number).length, 1);
  });

  void it('a Hublify rejection → NEEDS_ATTENTION → amend → injected → shipped', async () => {
    const order = orderWithUnknownArticle();
    const handle = await startTestOrder(system, order);
    const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.match(stuck.lastError ?? '', /Hublify rejected the order: .*NO-SUCH-ITEM/);
    assert.equal(hublifyOrdersFor(order.order_number).length, 0);

    // An invalid amend is refused before it is accepted (and leaves no trace in the history).
    await assert.rejects(
      handle.executeUpdate(amendUpdate, { args: [{ order: { o_orderid_external: 'X' } }] }),
      (err: Error) => {
        assert.match(String((err.cause as Error | undefined)?.message), /o_orderid_external cannot be amended/);
        return true;
      },
    );

    const amended = await handle.executeUpdate(amendUpdate, {
      args: [
        { orderitems: [{ oi_pcode: 'EK00001', oi_name: 'Example Product 1', oi_quantity: 1, oi_type: 'product' }] },
      ],
    });
    assert.equal(amended.outcome, 'reinjected');
    assert.deepEqual(amended.updated, ['orderitems']);
    const waiting = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    // NEEDS_ATTENTION repeats: the amendment and the retry it caused are recorded in the history.
    assert.deepEqual(distinctInOrder(stages(waiting)).slice(0, 5), [
      'RECEIVED',
      'VERIFIED',
      'NEEDS_ATTENTION',
      'INJECTED',
      'WAITING_FOR_SHIPMENT',
    ]);
    assert.ok(waiting.history.some((h) => /amendment of orderitems received/.test(h.detail ?? '')));

    // Once in Hublify, amend runs order_update and reports what Hublify refused.
    const update = await handle.executeUpdate(amendUpdate, {
      args: [{ order: { deliver_street: 'Neue Straße', o_comment: 'Hintereingang' } }],
    });
    assert.equal(update.outcome, 'updated');
    assert.ok(update.updated.includes('deliver_street'), JSON.stringify(update));
    assert.equal(hublifyOrdersFor(order.order_number)[0]?.order.deliver_street, 'Neue Straße');

    system.sandbox.ship(order.order_number);
    await handle.signal(pollNowSignal);
    assert.equal((await handle.result()).stage, 'SHIPPED');
  });

  void it("Temporal's own cancel (Web UI) stops the relay, records the reason, and says the Hublify order is still live", async () => {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, slowPolls);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await handle.signal(cancelReasonSignal, 'customer phoned: order placed twice');
    await handle.cancel();
    // Completed with stage CANCELLED (not Temporal-cancelled), so a re-sent webhook cannot revive it.
    const status = await handle.result();
    assert.equal(status.stage, 'CANCELLED');
    assert.equal(status.cancelReason, 'customer phoned: order placed twice');
    assert.equal(status.hublifyStillLive, true);
    const record = await system.relay.store!.getOrder(handle.workflowId);
    assert.equal(record?.stage, 'CANCELLED');
    // Support's reason is kept in the (encrypted) status history; the store only mentions it.
    assert.match(status.history.at(-1)?.detail ?? '', /customer phoned: order placed twice.*STILL LIVE/);
    assert.match(record?.stages.at(-1)?.detail ?? '', /reason in the order's status.*STILL LIVE/);
    assert.doesNotMatch(record?.stages.at(-1)?.detail ?? '', /customer phoned/);
    assert.equal((await handle.describe()).status.name, 'COMPLETED');
  });

  void it('pollNow and statusChanged shorten the wait', async () => {
    for (const wake of [pollNowSignal, statusChangedSignal] as const) {
      const order = sampleOrder();
      const handle = await startTestOrder(system, order, slowPolls);
      await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
      system.sandbox.ship(order.order_number);
      const before = Date.now();
      await handle.signal(wake as typeof pollNowSignal);
      await waitForStatus(handle, stageIs('SHIPPED'));
      assert.ok(Date.now() - before < HOUR / 2, 'woken long before the 1h poll');
    }
  });

  void it('records multiple and partial shipments', async () => {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, slowPolls);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    system.sandbox.ship(order.order_number, { partial: true, shipments: [{ trackingCode: 'PART-1' }] });
    await handle.signal(pollNowSignal);
    const partial = await waitForStatus(handle, (s) => s.shipments.length === 1);
    assert.equal(partial.stage, 'WAITING_FOR_SHIPMENT');
    assert.equal(partial.hublify?.state, 'partially_shipped');
    system.sandbox.ship(order.order_number, {
      shipments: [{ trackingCode: 'PART-2' }, { trackingCode: 'PART-3', carrier: 'ups' }],
    });
    await handle.signal(pollNowSignal);
    const done = await handle.result();
    assert.equal(done.stage, 'SHIPPED');
    assert.deepEqual(
      done.shipments.map((s) => s.trackingCode),
      ['PART-1', 'PART-2', 'PART-3'],
    );
    const record = await system.relay.store!.getOrder(handle.workflowId);
    assert.deepEqual(record?.shipments.map((s) => s.trackingCode).sort(), ['PART-1', 'PART-2', 'PART-3']);
  });

  void it('records an unknown Hublify state and keeps tracking', async () => {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, slowPolls);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    system.sandbox.setState(order.order_number, 'in_kommissionierung');
    await handle.signal(pollNowSignal);
    const unknown = await waitForStatus(handle, (s) => s.unknownStates.length > 0);
    assert.deepEqual(unknown.unknownStates, ['in_kommissionierung']);
    assert.equal(unknown.stage, 'WAITING_FOR_SHIPMENT');
    assert.match(unknown.history.at(-1)?.detail ?? '', /unknown state code/);
    system.sandbox.ship(order.order_number);
    await handle.signal(pollNowSignal);
    assert.equal((await handle.result()).stage, 'SHIPPED');
  });

  void it('flags an overdue order for support, keeps tracking, then ends TIMED_OUT at the hard limit', async () => {
    const order = sampleOrder({ expected_delivery_date: new Date(Date.now() + 1_000).toISOString() });
    // The hard limit leaves seconds between OVERDUE and TIMED_OUT, for the status poll to see the first on a busy machine.
    const handle = await startTestOrder(system, order, {
      pollSchedule: parsePollSchedule('500ms'),
      overdueGraceMs: 500,
      hardLimitMs: 10_000,
    });
    const overdue = await waitForStatus(handle, stageIs('OVERDUE'));
    assert.equal(overdue.overdue, true);
    const polledBefore = overdue.attempts.polls;
    const result = await handle.result();
    assert.equal(result.stage, 'TIMED_OUT');
    assert.ok(result.attempts.polls > polledBefore, 'kept polling after OVERDUE');
    assert.deepEqual(stages(result).slice(-2), ['OVERDUE', 'TIMED_OUT']);
  });

  void it('continue-as-new keeps all state across runs', async () => {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, { pollSchedule: parsePollSchedule('200ms'), pollsPerRun: 3 });
    const first = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    const firstRunId = (await handle.describe()).runId;
    system.sandbox.ship(order.order_number, { partial: true, shipments: [{ trackingCode: 'CAN-1' }] });
    await waitForStatus(handle, (s) => s.shipments.length === 1);
    // Let it roll over into later runs, then finish.
    await waitForStatus(handle, (s) => s.attempts.polls >= 8);
    system.sandbox.ship(order.order_number, { shipments: [{ trackingCode: 'CAN-2' }] });
    const result = await system.relay.client.workflow.getHandle<typeof orderWorkflow>(handle.workflowId).result();
    assert.equal(result.stage, 'SHIPPED');
    assert.notEqual((await handle.describe()).runId, firstRunId, 'a new run continued the order');
    assert.equal(result.hublify?.orderId, first.hublify?.orderId);
    assert.deepEqual(
      result.shipments.map((s) => s.trackingCode),
      ['CAN-1', 'CAN-2'],
    );
    assert.deepEqual(stages(result).slice(0, 4), ['RECEIVED', 'VERIFIED', 'INJECTED', 'WAITING_FOR_SHIPMENT']);
    assert.ok(result.attempts.polls >= 8);
    assert.equal(hublifyOrdersFor(order.order_number).length, 1);
  });

  void it('an amendment Hublify accepted survives continue-as-new: `orders show` displays the amended address', async () => {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, { pollSchedule: parsePollSchedule('200ms'), pollsPerRun: 3 });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    const firstRunId = (await handle.describe()).runId;
    const amended = await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
    assert.deepEqual(amended.updated, ['deliver_street']);
    await waitForStatus(handle, (s) => s.attempts.polls >= 8);
    assert.notEqual((await handle.describe()).runId, firstRunId, 'rolled over into a later run');
    const shown = await showOrder(
      operationsContext(system.config, system.relay.client, relayRecordedStage(system)),
      order.order_number,
    );
    assert.equal(shown.addresses?.deliver.street, 'Neue Straße');
    assert.equal(shown.addresses?.invoice.street, 'Müllerstraße', 'the invoice address was not touched');
    await handle.cancel();
  });

  void it('the verdict is answered from the first workflow task after one local activity (the check, which records VERIFIED itself)', async () => {
    const { verdict, handle } = await startTestOrderWithVerdict(system, sampleOrder());
    assert.equal(verdict.accepted, true);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    const events = (await handle.fetchHistory()).events ?? [];
    const answered = events.findIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes);
    assert.ok(answered > 0, 'the verdict update completed in the history');
    const taskCompleted = events.findIndex((e) => e.workflowTaskCompletedEventAttributes);
    assert.ok(taskCompleted < answered, 'answered by the first workflow task');
    // A workflow task's commands follow its WorkflowTaskCompleted event; the caller gets the verdict
    // when the whole task completes, so every local activity in it adds to the `verified` latency.
    const nextTask = events.findIndex((e, i) => i > taskCompleted && e.workflowTaskScheduledEventAttributes);
    const commands = events.slice(taskCompleted, nextTask < 0 ? undefined : nextTask);
    const localActivities = commands.filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    );
    assert.equal(localActivities.length, 1, 'one local activity in the task that answers the verdict');
    const record = await system.relay.store!.getOrder(handle.workflowId);
    assert.ok(
      record?.stages.some((s) => s.stage === 'VERIFIED'),
      'VERIFIED is in the record store all the same',
    );
    await handle.cancel();
  });

  void it('a verification failure the customer is shown ends the workflow REJECTED with every reason', async () => {
    const order = sampleOrder({ status: 'DRAFT', supplier_customer_number: 'NOBODY' });
    const { verdict, workflowId, handle } = await startTestOrderWithVerdict(system, order);
    assert.equal(verdict.accepted, false);
    // As the webhook does before its 422: the run ends REJECTED on this word only (issue 22.7).
    assert.equal(await confirmRejectionShown(system.relay.client, workflowId, 30_000), true);
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(String((err.cause as Error).message), /rejected/);
      return true;
    });
    const status = await waitForStatus(handle, stageIs('REJECTED'));
    assert.equal(status.rejectionReasons.length, 2, JSON.stringify(status.rejectionReasons));
    assert.ok(status.rejectionReasons.some((r) => /ORDERED/.test(r)));
    assert.ok(status.rejectionReasons.some((r) => /not set up/.test(r)));
    assert.equal(hublifyOrdersFor(order.order_number).length, 0);
  });
});
