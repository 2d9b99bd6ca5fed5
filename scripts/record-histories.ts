// Records workflow histories for the replay test (test/replay.test.ts): runs each scenario on a real
// dev server and writes its event history to test/histories/<scenario>.json.
// Run after a deliberate, versioned change to workflow code: `npm run record-histories [-- <scenario>…]`.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import {
  amendUpdate,
  cancelReasonSignal,
  cancelUpdate,
  pollNowSignal,
  retrySignal,
  statusChangedSignal,
} from '../workflows/order-messages';
import type { CancelResult, OrderWorkflowSettings } from '../workflows/order-status';
import { toldRow } from '../activities/hublify-sweep';
import type { ShipRequest } from '../src/hublify/sandbox/control';
import { orderData } from '../src/hublify/sandbox/state';
import { confirmRejectionShown } from '../src/orders/start-order';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import { orderWithUnknownArticle, sampleOrder } from '../test/helpers/sample-order';
import {
  SHORT_INJECT_RETRY,
  startTestOrder,
  startTestOrderWithVerdict,
  stageIs,
  waitForStatus,
} from '../test/helpers/orders';
import { startNotifySink, type NotifySink } from '../test/helpers/notify-sink';
import { startTestSystem, type TestSystem } from '../test/helpers/system';
import { temporalCliForTests } from '../test/helpers/temporal';
import { apicbaseScenarios, startApicbaseRecordingSystem } from './record-apicbase-histories';

const OUT = process.env.HISTORIES_OUT ?? path.resolve(__dirname, '..', 'test', 'histories');
// Payloads are encrypted (src/codec): the CLI decodes them through the relay's codec endpoint, so the
// recorded histories are plain and replay without keys (test/replay.test.ts).
const CODEC_TOKEN = 'record-histories-codec-token';
const slow = { pollSchedule: parsePollSchedule('1h') };

/** A recorded run: the workflow, and which of its runs (default: the latest). */
type Recorded = WorkflowHandle | { handle: WorkflowHandle; runId: string };

const until = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((r) => setTimeout(r, 50));
};

/** Hublify ships the order (all of it, or as `shipped` says) and the workflow is told to poll now; no wait. */
async function shipNow(
  system: TestSystem,
  handle: WorkflowHandle,
  orderNumber: string,
  shipped?: ShipRequest,
): Promise<void> {
  system.sandbox.ship(orderNumber, shipped);
  await handle.signal(pollNowSignal);
}

/** Once the order waits for its shipment, Hublify ships it; a poll brings the news and the run ends. */
async function shipAndFinish(
  system: TestSystem,
  handle: WorkflowHandle,
  orderNumber: string,
  shipped?: ShipRequest,
): Promise<void> {
  await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
  await shipNow(system, handle, orderNumber, shipped);
  await handle.result();
}

/** Hublify is back: support's retry injects the order, which then ships. */
async function retryThenShip(system: TestSystem, handle: WorkflowHandle, orderNumber: string): Promise<void> {
  system.sandbox.clearFaults();
  await handle.signal(retrySignal, {});
  await shipAndFinish(system, handle, orderNumber);
}

/**
 * Issue 22 item 2's start: order_create answers after the client gave up (2 s; Hublify created the
 * order), order_get answers 500 past the budget: NEEDS_ATTENTION, Hublify holding an order the relay
 * does not know. Hublify answers again when this returns.
 */
async function lostReplyOrder(system: TestSystem) {
  const order = sampleOrder();
  system.sandbox.injectFault({ kind: 'slow', delayMs: 3_500, count: 1, verbs: ['order_create'] });
  system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_get'] });
  const handle = await startTestOrder(system, order, {
    ...slow,
    injectRetry: { initialIntervalMs: 200, maximumIntervalMs: 500, retryForMs: 6_000 },
  });
  await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
  await until(() => system.sandbox.orders().some((o) => o.o_orderid_external === order.order_number));
  system.sandbox.clearFaults();
  return { order, handle };
}

/** Hublify's order_create answers 500 (until cleared): the order's attempts run out and it waits for support. */
async function stuckInOutage(system: TestSystem, settings: Partial<OrderWorkflowSettings> = {}) {
  const order = sampleOrder();
  system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_create'] });
  const handle = await startTestOrder(system, order, { ...slow, injectRetry: SHORT_INJECT_RETRY, ...settings });
  await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
  return { order, handle };
}

/** Cancel while Hublify's order_get answers 500 (the look-up fails); the fault is cleared after the answer. */
async function cancelWhileHublifyCannotBeAsked(
  system: TestSystem,
  handle: WorkflowHandle,
  expected: CancelResult['outcome'],
  stopTracking = false,
): Promise<void> {
  system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_get'] });
  try {
    const answer = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer phoned', stopTracking }] });
    if (answer.outcome !== expected) throw new Error(`expected ${expected}, got ${JSON.stringify(answer)}`);
  } finally {
    system.sandbox.clearFaults();
  }
}

const scenarios: Record<string, (system: TestSystem) => Promise<Recorded>> = {
  async 'shipped-in-two-parts'(system) {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, slow);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await shipNow(system, handle, order.order_number, { partial: true, shipments: [{ trackingCode: 'REC-1' }] });
    await waitForStatus(handle, (s) => s.shipments.length === 1);
    await shipNow(system, handle, order.order_number, { shipments: [{ trackingCode: 'REC-2' }] });
    await handle.result();
    return handle;
  },
  async 'rejected-by-verification'(system) {
    const handle = await startTestOrder(system, sampleOrder({ status: 'DRAFT' }));
    await handle.result().catch(() => undefined);
    return handle;
  },
  async 'hublify-rejection-amended-then-shipped'(system) {
    const order = orderWithUnknownArticle();
    const handle = await startTestOrder(system, order, slow);
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    await handle.executeUpdate(amendUpdate, { args: [{ orderitems: [{ oi_pcode: 'EK00001', oi_quantity: 1 }] }] });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
    await shipNow(system, handle, order.order_number);
    await handle.result();
    return handle;
  },
  async 'cancelled-while-tracking'(system) {
    const handle = await startTestOrder(system, sampleOrder(), slow);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await handle.signal(cancelReasonSignal, 'recorded for replay');
    await handle.cancel();
    await handle.result().catch(() => undefined);
    return handle;
  },
  async 'overdue-then-timed-out-carried-run'(system) {
    const order = sampleOrder({ expected_delivery_date: new Date(Date.now() + 500).toISOString() });
    const handle = await startTestOrder(system, order, {
      pollSchedule: parsePollSchedule('300ms'),
      overdueGraceMs: 200,
      hardLimitMs: 4_000,
      pollsPerRun: 4,
    });
    await handle.result();
    // The last run: it started from carried state.
    return handle;
  },
  // ---- order-workflow-v2: check as one local activity, cancel update, bounded verdict, amend sync ----
  async 'v2-shipped-in-two-parts'(system) {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, slow);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await shipNow(system, handle, order.order_number, { partial: true, shipments: [{ trackingCode: 'V2-1' }] });
    await waitForStatus(handle, (s) => s.shipments.length === 1);
    await shipNow(system, handle, order.order_number, { shipments: [{ carrier: 'dhl', trackingCode: null }] });
    await handle.result();
    return handle;
  },
  async 'v2-rejected-shown-to-customer'(system) {
    const handle = await rejectedByVerdict(system);
    // Since rejection-shown-confirmed-by-webhook the run ends REJECTED only on the webhook's word (ignored before).
    await confirmRejectionShown(system.relay.client, handle.workflowId, 30_000);
    await handle.result().catch(() => undefined);
    return handle;
  },
  async 'v2-rejected-after-ack-then-cancelled'(system) {
    const handle = await startTestOrder(system, sampleOrder({ theoretical_price: '25,00' }));
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'recorded for replay' }] });
    await handle.result();
    return handle;
  },
  async 'v2-cancel-during-order-create-then-stop-tracking'(system) {
    const order = sampleOrder();
    system.sandbox.injectFault({ kind: 'slow', delayMs: 2_000, count: 1, verbs: ['order_create'] });
    const handle = await startTestOrder(system, order, slow);
    await until(() => system.sandbox.orderCreateCalls(order.order_number) === 1);
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'recorded for replay' }] });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'recorded for replay', stopTracking: true }] });
    await handle.result();
    return handle;
  },
  async 'v2-amended-during-outage-then-shipped'(system) {
    const order = sampleOrder();
    system.sandbox.injectFault({ kind: 'http500', forMs: 60_000, verbs: ['order_create'] });
    const handle = await startTestOrder(system, order, { ...slow, amendWaitMs: 300 });
    await until(() => system.sandbox.orderCreateCalls(order.order_number) >= 1);
    await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' }, note: 'recorded' }] });
    system.sandbox.clearFaults();
    await shipAndFinish(system, handle, order.order_number);
    return handle;
  },
  async 'v2-temporal-cancel-while-tracking'(system) {
    const handle = await startTestOrder(system, sampleOrder(), slow);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await handle.signal(cancelReasonSignal, 'recorded for replay');
    await handle.cancel();
    await handle.result();
    return handle;
  },
  async 'v2-overdue-with-continue-as-new'(system) {
    const order = sampleOrder({ expected_delivery_date: new Date(Date.now() + 500).toISOString() });
    // Two polls a run and a long hard limit: the first run continues as new even on a slow machine.
    const handle = await startTestOrder(system, order, {
      pollSchedule: parsePollSchedule('300ms'),
      overdueGraceMs: 200,
      hardLimitMs: 15_000,
      pollsPerRun: 2,
    });
    const firstRunId = (await handle.describe()).runId;
    await handle.result();
    // The first run: it ends with WorkflowExecutionContinuedAsNew.
    return { handle, runId: firstRunId };
  },
  // ---- verified-recorded-by-check: the check records VERIFIED, the verdict after one local activity ----
  async 'v2-verified-recorded-by-check-then-shipped'(system) {
    const order = sampleOrder();
    const { handle } = await startTestOrderWithVerdict(system, order, slow);
    await shipAndFinish(system, handle, order.order_number, { shipments: [{ trackingCode: 'REC-V' }] });
    return handle;
  },
  // ---- support-text-out-of-store: notes and a cancel reason go to the encrypted status only ----
  async 'v2-verified-recorded-by-check-support-notes-out-of-store'(system) {
    const order = orderWithUnknownArticle();
    const handle = await startTestOrder(system, order, slow);
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    // Retried with a note, refused again; amended with a note (re-injected), then again (order_update).
    await handle.signal(retrySignal, { note: 'recorded for replay' });
    await waitForStatus(handle, (s) => s.history.filter((h) => h.stage === 'NEEDS_ATTENTION').length >= 3);
    await handle.executeUpdate(amendUpdate, {
      args: [{ orderitems: [{ oi_pcode: 'EK00001', oi_quantity: 1 }], note: 'recorded for replay' }],
    });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await handle.executeUpdate(amendUpdate, {
      args: [{ order: { deliver_street: 'Neue Straße' }, note: 'recorded for replay' }],
    });
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'recorded for replay', stopTracking: true }] });
    await handle.result();
    return handle;
  },
  // ---- the safety net before the reshape (issue 23): paths no recording covered yet ----
  async 'v2-retry-after-outage-then-shipped'(system) {
    const { order, handle } = await stuckInOutage(system, { notifySupport: true });
    system.sandbox.clearFaults();
    await handle.signal(retrySignal, {});
    await shipAndFinish(system, handle, order.order_number, { shipments: [{ trackingCode: 'REC-RETRY' }] });
    return handle;
  },
  async 'v2-pulled-rejection-notified-and-emailed-then-cancelled'(system) {
    // A pulled order that fails verification: support is notified and the customer e-mailed (both side steps).
    const handle = await startTestOrder(
      system,
      sampleOrder({ theoretical_price: '25,00' }),
      { ...slow, notifySupport: true, emailCustomer: true },
      'pull',
    );
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'recorded for replay' }] });
    await handle.result();
    return handle;
  },
  async 'v2-timed-out-notified'(system) {
    const handle = await startTestOrder(system, sampleOrder(), {
      pollSchedule: parsePollSchedule('300ms'),
      hardLimitMs: 1_500,
      pollsPerRun: 1_000,
      notifySupport: true,
    });
    await handle.result();
    return handle;
  },
  async 'v2-order-not-found-in-hublify-then-stop-tracking'(system) {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, { ...slow, notifySupport: true });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    // Hublify forgets every order: the next poll finds none under the id.
    system.sandbox.reset();
    await handle.signal(pollNowSignal);
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'recorded for replay', stopTracking: true }] });
    await handle.result();
    return handle;
  },
  // ---- stopped-attempt-lookup-waits-for-support: an amendment during a long outage waits for support (issue 22.1) ----
  async 'v2-amended-during-long-outage-waits-for-support-then-shipped'(system) {
    const order = sampleOrder();
    // Every verb answers 500: the attempt the amendment stops cannot be looked up either.
    system.sandbox.injectFault({ kind: 'http500', forMs: 600_000 });
    const longOutage = { initialIntervalMs: 1_000, maximumIntervalMs: 1_000, retryForMs: 12_000 };
    const handle = await startTestOrder(system, order, {
      ...slow,
      injectRetry: longOutage,
      amendWaitMs: 300,
      notifySupport: true,
    });
    await until(() => system.sandbox.orderCreateCalls(order.order_number) >= 1);
    await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    await retryThenShip(system, handle, order.order_number);
    return handle;
  },
  // ---- truth-amend-pending-after-failed-attempt: an amendment whose attempt failed answers pending (issue 22.8) ----
  async 'v2-truth-amend-after-failed-attempt-pending-then-shipped'(system) {
    const { order, handle } = await stuckInOutage(system);
    // The amendment sends the order again (it waited for support); that attempt fails too: pending.
    const amended = await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
    if (amended.outcome !== 'pending') throw new Error(`expected pending, got ${JSON.stringify(amended)}`);
    await retryThenShip(system, handle, order.order_number);
    return handle;
  },
  // ---- truth-stopped-attempt-counted: the attempt an amendment stopped counts in the inject attempts (issue 22.8) ----
  async 'v2-truth-amendment-stops-attempt-counted-then-shipped'(system) {
    const order = sampleOrder();
    system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_create'] });
    const handle = await startTestOrder(system, order, { ...slow, amendWaitMs: 300 });
    await until(() => system.sandbox.orderCreateCalls(order.order_number) >= 1);
    await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
    await waitForStatus(handle, (s) => s.attempts.inject >= 1);
    system.sandbox.clearFaults();
    await shipAndFinish(system, handle, order.order_number);
    return handle;
  },
  async 'v2-lost-reply-amended-items-adopted-by-identity-then-shipped'(system) {
    // Issue 22 item 2: an item amendment's re-injection meets our own order.
    const { order, handle } = await lostReplyOrder(system);
    await handle.executeUpdate(amendUpdate, { args: [{ orderitems: [{ oi_pcode: 'EK00001', oi_quantity: 7 }] }] });
    await waitForStatus(handle, (s) => s.hublify !== null);
    await shipNow(system, handle, order.order_number);
    await handle.result();
    return handle;
  },
  // ---- stage-recorded-despite-cancel: a cancel while order_create is let finish; the store gets INJECTED too (issue 22.6) ----
  async 'v2-carry-cancel-during-order-create-stage-recorded-then-shipped'(system) {
    const order = sampleOrder();
    // Slow, but within the Hublify timeout (2 s here): the attempt creates the order after the cancel.
    system.sandbox.injectFault({ kind: 'slow', delayMs: 1_200, count: 1, verbs: ['order_create'] });
    const handle = await startTestOrder(system, order, slow);
    await until(() => system.sandbox.orderCreateCalls(order.order_number) === 1);
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'recorded for replay' }] });
    await shipAndFinish(system, handle, order.order_number);
    return handle;
  },
  async 'v2-lost-reply-cancel-finds-it-in-hublify-then-stop-tracking'(system) {
    // Issue 22 item 2 / I4: cancel while the relay does not know the order Hublify holds: asked then, it is there.
    const { handle } = await lostReplyOrder(system);
    const answer = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer phoned' }] });
    if (answer.outcome !== 'in-hublify') throw new Error(`expected in-hublify, got ${JSON.stringify(answer)}`);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'recorded', stopTracking: true }] });
    await handle.result();
    return handle;
  },
  // v2-lost-reply-cancel-while-hublify-cannot-be-asked.json was recorded before patch
  // cancel-unasked-changes-nothing (such a cancel ended the run CANCELLED); its run can no longer be made.
  // ---- cancel-unasked-changes-nothing: a cancel while Hublify cannot be asked changes nothing (issue 22 I2) ----
  async 'v2-lost-reply-cancel-unasked-changes-nothing-then-cancel-finds-it'(system) {
    const { order, handle } = await lostReplyOrder(system);
    await cancelWhileHublifyCannotBeAsked(system, handle, 'unknown-in-hublify');
    await waitForStatus(handle, (s) => /NOT cancelled/.test(s.lastError ?? ''));
    // Hublify answers again: the next cancel asks it, finds our order, and the relay goes on tracking it.
    const again = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer phoned again' }] });
    if (again.outcome !== 'in-hublify') throw new Error(`expected in-hublify, got ${JSON.stringify(again)}`);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await shipAndFinish(system, handle, order.order_number);
    return handle;
  },
  async 'v2-lost-reply-cancel-unasked-then-retry-adopts-then-shipped'(system) {
    const { order, handle } = await lostReplyOrder(system);
    await cancelWhileHublifyCannotBeAsked(system, handle, 'unknown-in-hublify');
    await waitForStatus(handle, (s) => /NOT cancelled/.test(s.lastError ?? ''));
    await handle.signal(retrySignal, { note: 'Hublify is back' });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await shipAndFinish(system, handle, order.order_number);
    return handle;
  },
  async 'v2-lost-reply-cancel-stop-tracking-while-hublify-cannot-be-asked'(system) {
    const { handle } = await lostReplyOrder(system);
    await cancelWhileHublifyCannotBeAsked(system, handle, 'stopped-unasked', true);
    await handle.result();
    return handle;
  },
  // ---- final-stage-recorded-by-activity: a final stage's record is a remote activity (issue 22 I8) ----
  async 'v2-final-stage-recorded-by-activity-shipped'(system) {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, slow);
    await shipAndFinish(system, handle, order.order_number);
    return handle;
  },
  async 'v2-final-stage-recorded-by-activity-stop-tracking-racing-shipment'(system) {
    // A retry's poll finds the order shipped while support stops tracking: either may win; the record is one.
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, slow);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    system.sandbox.ship(order.order_number);
    await handle.signal(retrySignal);
    await handle
      .executeUpdate(cancelUpdate, { args: [{ reason: 'recorded', stopTracking: true }] })
      .catch(() => undefined);
    await handle.result();
    return handle;
  },
  // ---- pending-poll-carried-across-continue-as-new: a push that arrives while the run drains is polled by the next run (issue 22.4) ----
  async 'v2-carry-continue-as-new-with-pending-push'(system) {
    const { handle, firstRunId } = await pushWhileDraining(system);
    // The first run: it ends with WorkflowExecutionContinuedAsNew, its input carrying the push.
    return { handle, runId: firstRunId };
  },
  async 'v2-carry-continued-run-polls-carried-push'(system) {
    const { handle, firstRunId } = await pushWhileDraining(system);
    // The second run: started with the carried push, it polls at once (and, one poll a run, continues as new).
    const first = await system.relay.client.workflow.getHandle(handle.workflowId, firstRunId).fetchHistory();
    const continued = first.events?.find((e) => e.workflowExecutionContinuedAsNewEventAttributes);
    const runId = continued?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!runId) throw new Error('the first run did not continue as new');
    return { handle, runId };
  },
  // ---- tracking-goes-on-while-side-steps-run: a failing notice no longer stops polling at continue-as-new (issue 22.4) ----
  async 'v2-carry-tracking-goes-on-while-notice-fails-then-shipped'(system) {
    const order = sampleOrder();
    notifySink.status = 500;
    system.sandbox.injectFault({ kind: 'refuse', count: 1, verbs: ['order_create'], text: 'recorded for replay' });
    const handle = await startTestOrder(system, order, { ...slow, pollsPerRun: 1, notifySupport: true });
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    await notifySink.waitFor(1);
    // The retry polls at once: the run is due to continue as new while its notice still fails.
    await handle.signal(retrySignal, {});
    await waitForStatus(handle, (s) => s.stage === 'WAITING_FOR_SHIPMENT' && s.attempts.polls === 1);
    system.sandbox.ship(order.order_number);
    await handle.signal(statusChangedSignal, { state: 'shipped' });
    await waitForStatus(handle, stageIs('SHIPPED'));
    notifySink.status = 200;
    return handle;
  },
  // ---- open-corrections-keep-attention: a correction Hublify does not hold keeps NEEDS_ATTENTION (issue 22.3) ----
  async 'v2-items-amend-refused-kept-needs-attention-then-shipped'(system) {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, { ...slow, notifySupport: true });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    // Hublify's order_update refuses order items: NEEDS_ATTENTION; a poll keeps it, retry sends them again.
    await handle.executeUpdate(amendUpdate, { args: [{ orderitems: [{ oi_pcode: 'EK00001', oi_quantity: 7 }] }] });
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    await handle.signal(pollNowSignal);
    await waitForStatus(handle, (s) => s.attempts.polls >= 1);
    await handle.signal(retrySignal, { note: 'recorded for replay' });
    await waitForStatus(handle, (s) => s.attempts.polls >= 2);
    await shipNow(system, handle, order.order_number);
    await handle.result();
    return handle;
  },
  async 'v2-correction-refused-after-in-flight-create-retried-then-shipped'(system) {
    const order = sampleOrder();
    // order_create answers late (an attempt in flight when the amendment comes); order_update refuses once.
    system.sandbox.injectFault({ kind: 'slow', delayMs: 1_500, count: 1, verbs: ['order_create'] });
    system.sandbox.injectFault({ kind: 'refuse', count: 1, verbs: ['order_update'] });
    const handle = await startTestOrder(system, order, { ...slow, notifySupport: true });
    await until(() => system.sandbox.orderCreateCalls(order.order_number) >= 1);
    await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
    await waitForStatus(handle, (s) => s.stage === 'NEEDS_ATTENTION' && s.corrections !== undefined);
    await handle.signal(pollNowSignal);
    await waitForStatus(handle, (s) => s.attempts.polls >= 1);
    await handle.signal(retrySignal, {});
    await shipAndFinish(system, handle, order.order_number);
    return handle;
  },
  async 'v2-amended-during-outage-pending-named-then-shipped'(system) {
    const { order, handle } = await stuckInOutage(system, { amendWaitMs: 300, notifySupport: true });
    // The amendment's attempt fails too: the order waits for support naming the correction pending.
    await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
    await waitForStatus(handle, (s) => /corrections pending/.test(s.lastError ?? ''));
    system.sandbox.clearFaults();
    await handle.signal(retrySignal, {});
    await shipAndFinish(system, handle, order.order_number);
    return handle;
  },
  // ---- rejection-shown-confirmed-by-webhook: REJECTED only when the webhook says it shows the 422 (issue 22.7) ----
  // The same steps as v2-rejected-shown-to-customer, recorded since the patch (its marker at the start).
  'v2-carry-rejection-shown-confirmed-by-webhook': (system) => scenarios['v2-rejected-shown-to-customer']!(system),
  async 'v2-carry-rejection-answered-unconfirmed-needs-attention-then-cancelled'(system) {
    // The caller took the rejected verdict but had given up (its 202): no confirmation comes.
    const handle = await rejectedByVerdict(system);
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'recorded for replay' }] });
    await handle.result();
    return handle;
  },
  async 'overdue-at-tracking-start-then-shipped'(system) {
    // Expected an hour ago, written without an offset (read as UTC): OVERDUE before the first wait.
    const order = sampleOrder({ expected_delivery_date: new Date(Date.now() - 3_600_000).toISOString().slice(0, 19) });
    const handle = await startTestOrder(system, order, { ...slow, overdueGraceMs: 0 });
    await waitForStatus(handle, stageIs('OVERDUE'));
    await shipNow(system, handle, order.order_number, { shipments: [{ trackingCode: 'REC-LATE' }] });
    await handle.result();
    return handle;
  },
  // ---- sweep-data-spares-order-get: the sweep's statusChanged carries the listed row (issue 25) ----
  async 'v2-push-polls-then-sweep-data-ships-without-order-get'(system) {
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, slow);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    // A push carries the state only: the workflow asks order_get.
    system.sandbox.ship(order.order_number, { partial: true, shipments: [{ trackingCode: 'SWEEP-1' }] });
    await handle.signal(statusChangedSignal, { state: 'partially_shipped' });
    await waitForStatus(handle, (s) => s.shipments.length === 1);
    // The sweep's signal carries what order_getList listed: taken as it is, no order_get.
    system.sandbox.ship(order.order_number, { shipments: [{ trackingCode: 'SWEEP-2' }] });
    const listed = system.sandbox.orders().find((o) => o.o_orderid_external === order.order_number)!;
    await handle.signal(statusChangedSignal, { state: listed.order_state_code, order: toldRow(orderData(listed)) });
    await handle.result();
    return handle;
  },
};

/**
 * An order tracked with one poll a run: an amendment's order_update is in flight (slow) when that poll
 * ends, so the run, due to continue as new, waits for the handler; Hublify's state changes and it
 * pushes meanwhile. Then shipped.
 */
async function pushWhileDraining(system: TestSystem) {
  const order = sampleOrder();
  const handle = await startTestOrder(system, order, { ...slow, pollsPerRun: 1 });
  const firstRunId = (await handle.describe()).runId;
  await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
  const count = (verb: string) => system.sandbox.requestCounts()[verb] ?? 0;
  const updates = count('order_update');
  const gets = count('order_get');
  system.sandbox.injectFault({ kind: 'slow', delayMs: 1_500, count: 1, verbs: ['order_update'] });
  const amended = handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
  await until(() => count('order_update') > updates);
  await handle.signal(pollNowSignal);
  await until(() => count('order_get') > gets);
  // Processing, not shipped: Hublify still takes the order_update in flight.
  system.sandbox.setState(order.order_number, 'processing');
  await handle.signal(statusChangedSignal, { state: 'processing' });
  await amended;
  // The next run polls at once for the carried push (the schedule's next poll is an hour away).
  await waitForStatus(handle, (s) => s.hublify?.state === 'processing');
  await shipNow(system, handle, order.order_number);
  const result = await handle.result();
  if (result.stage !== 'SHIPPED') throw new Error(`expected SHIPPED, got ${result.stage}`);
  return { handle, firstRunId };
}

/** An order the verification rejects, started as the webhook in `verified` mode does; the verdict taken in time. */
async function rejectedByVerdict(system: TestSystem): Promise<WorkflowHandle> {
  const { verdict, handle } = await startTestOrderWithVerdict(system, sampleOrder({ status: 'DRAFT' }));
  if (verdict.accepted) throw new Error('expected a rejected verdict');
  return handle;
}

/** Support's notification endpoint for the recordings (a scenario may make it answer 500). */
let notifySink: NotifySink;

async function main(): Promise<void> {
  notifySink = await startNotifySink();
  const system = await startTestSystem({ CODEC_AUTH_TOKEN: CODEC_TOKEN, NOTIFY_WEBHOOK_URL: notifySink.url });
  mkdirSync(OUT, { recursive: true });
  try {
    // `npm run record-histories -- <scenario>…` records only those (keeping older recordings as they are).
    const only = process.argv.slice(2);
    const unknown = only.filter((name) => !(name in scenarios) && !(name in apicbaseScenarios));
    if (unknown.length)
      throw new Error(
        `unknown scenario(s) ${unknown.join(', ')}; known: ${[...Object.keys(scenarios), ...Object.keys(apicbaseScenarios)].join(', ')}`,
      );
    for (const [name, run] of Object.entries(scenarios).filter(([name]) => only.length === 0 || only.includes(name))) {
      await writeHistory(system, name, await run(system));
    }
  } finally {
    await system.close();
    await notifySink.close();
  }
  await recordApicbaseScenarios(process.argv.slice(2));
}

/** Writes one workflow's history to OUT/<name>.json. */
async function writeHistory(
  system: TestSystem,
  name: string,
  recorded: WorkflowHandle | { handle: WorkflowHandle; runId: string },
): Promise<void> {
  const handle = 'runId' in recorded ? recorded.handle : recorded;
  const runArgs = 'runId' in recorded ? ['--run-id', recorded.runId] : [];
  // The CLI writes the standard JSON history format that every Temporal tool and SDK reads.
  // Asynchronously: the codec endpoint it calls runs in this process.
  const { stdout: json } = await promisify(execFile)(
    temporalCliForTests(),
    [
      'workflow',
      'show',
      '--workflow-id',
      handle.workflowId,
      ...runArgs,
      '--address',
      system.env.address,
      '--output',
      'json',
      '--codec-endpoint',
      `${system.baseUrl}/codec`,
      '--codec-auth',
      `Bearer ${CODEC_TOKEN}`,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  writeFileSync(path.join(OUT, `${name}.json`), json);
  process.stdout.write(`recorded ${name}: ${(JSON.parse(json) as { events: unknown[] }).events.length} events\n`);
}

/** The Apicbase pull and reconciliation scenarios (scripts/record-apicbase-histories.ts), on a system with the Apicbase sandbox. */
async function recordApicbaseScenarios(only: string[]): Promise<void> {
  const chosen = Object.entries(apicbaseScenarios).filter(([name]) => only.length === 0 || only.includes(name));
  if (chosen.length === 0) return;
  const t = await startApicbaseRecordingSystem({ CODEC_AUTH_TOKEN: CODEC_TOKEN });
  try {
    for (const [name, run] of chosen) await writeHistory(t.system, name, await run(t));
  } finally {
    await t.close();
  }
}

void main();
