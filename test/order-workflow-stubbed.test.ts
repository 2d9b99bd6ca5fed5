// The order workflow's logic with stubbed activities: the real workflow code on a local Temporal dev
// server (no Hublify, no store, no HTTP), its activities plain fakes that count what they received and
// answer as each test sets them. The check, inject, amend and track paths; end to end they are
// covered against the real system in test/order-workflow.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createInjectActivities } from '../activities/inject-order';
import type { StageChangeInput } from '../activities/record-tracking';
import type { HublifyClient } from '../src/hublify/client';
import { HublifyRejectedError } from '../src/hublify/errors';
import { ORDER_NOT_FOUND } from '../src/hublify/message-texts';
import type { ApicbaseOrder } from '../src/apicbase/order';
import type { HublifyOrderCreateRequest, HublifyOrderData } from '../src/hublify/types';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import {
  ORDER_WORKFLOW_TYPE,
  amendUpdate,
  cancelUpdate,
  pollNowSignal,
  rejectionShownSignal,
  requestQuery,
  retrySignal,
  statusChangedSignal,
  statusQuery,
  verdictUpdate,
  type OrderStatus,
  type OrderVerdict,
  type OrderWorkflow,
  type OrderWorkflowSettings,
  type SupportNotice,
  type VerdictRequest,
} from '../workflows/order-contract';
import { orderWorkflow } from '../workflows/order/workflow';
import { pollUntil } from '../src/poll-until';
import { stageIs, waitForStatus } from './helpers/orders';
import { PATIENCE_MS } from './helpers/patience';
import { sampleOrder } from './helpers/sample-order';
import { testWorkflowBundle } from './helpers/system';
import { startTestTemporal } from './helpers/temporal';

const SETTINGS: OrderWorkflowSettings = {
  hublifyTimeoutMs: 2_000,
  injectRetry: { initialIntervalMs: 100, maximumIntervalMs: 200, retryForMs: 60_000 },
  pollSchedule: parsePollSchedule('1h'),
  finalStates: ['shipped'],
  cancelledStates: ['cancelled'],
  overdueGraceMs: 0,
  hardLimitMs: 30 * 24 * 3_600_000,
  pollsPerRun: 500,
  amendWaitMs: 60_000,
  notifySupport: true,
};

const requestFor = (order: ApicbaseOrder): HublifyOrderCreateRequest => ({
  fields: {
    order: {
      o_orderid_external: order.order_number,
      deliver_street: 'Alte Straße',
      orderitems: [{ oi_pcode: 'EK00001', oi_quantity: 1 }],
    },
  },
});
const streetOf = (r: HublifyOrderCreateRequest) => (r.fields.order as Record<string, unknown>).deliver_street;

/**
 * A fake Hublify behind the real inject activities (injectOrder, findInjectedOrder): it holds at most one
 * order under our o_orderid_external and answers order_create (a duplicate when it holds one) and order_get.
 */
class FakeHublify {
  held: HublifyOrderData | null = null;
  creates = 0;
  /** order_create creates the order, then its reply is lost (the client gives up). */
  loseCreateReply = false;
  /** order_create and order_get do not answer (an outage). */
  createDown = false;
  getDown = false;
  constructor(readonly orderId: string) {}
  orderCreate(req: HublifyOrderCreateRequest) {
    this.creates += 1;
    if (this.createDown)
      return Promise.reject(
        ApplicationFailure.nonRetryable('Hublify order_create answered HTTP 500', 'HublifyUnavailable'),
      );
    if (this.held)
      return Promise.resolve({
        data: { orderid: this.orderId, o_orderid_external: this.held.o_orderid_external, order_state_code: 'received' },
        duplicate: true,
        messages: [],
      });
    const order = req.fields.order;
    this.held = {
      orderid: this.orderId,
      personid: 'P-1',
      o_orderid_external: order.o_orderid_external,
      order_state_code: 'received',
      orderitems: order.orderitems,
    };
    if (this.loseCreateReply)
      return Promise.reject(
        ApplicationFailure.nonRetryable('Hublify order_create: no reply within 2000 ms', 'HublifyUnavailable'),
      );
    return Promise.resolve({ data: this.held, duplicate: false, messages: [] });
  }
  orderGet() {
    if (this.getDown)
      return Promise.reject(
        ApplicationFailure.nonRetryable('Hublify order_get answered HTTP 500', 'HublifyUnavailable'),
      );
    if (!this.held)
      return Promise.reject(
        new HublifyRejectedError('not found', 'order_get', [{ type: 'ERROR', text: ORDER_NOT_FOUND }]),
      );
    return Promise.resolve(this.held);
  }
  /** The real inject activities, talking to this fake. */
  activities() {
    return createInjectActivities({ hublify: this as unknown as HublifyClient });
  }
}

/** One order's fakes: what each activity received, and how it answers (changed by the test). */
class Fakes {
  checks = 0;
  checkFails: string[] | null = null;
  injected: HublifyOrderCreateRequest[] = [];
  injectRefusal: string | null = null;
  /** order_create hangs (heartbeating) until Temporal cancels the attempt. */
  injectHangs = false;
  /** order_create is in flight until Temporal asks to cancel it, then creates the order after all (as the real call is let finish). */
  injectFinishesAfterCancel = false;
  /** Support's notification endpoint answers 500 (the notice is retried by Temporal). */
  notifyFails = false;
  /** While set, order_get answers (with the state of the moment it was asked) only once this settles. */
  pollGate: Promise<void> | null = null;
  /** The look-up after a stopped attempt fails: Hublify cannot be asked. */
  lookupFails = false;
  /** The look-up after a stopped attempt finds the order: the stopped attempt had created it. */
  lookupFinds = false;
  /** order_update answers Hublify's refusal (an ERROR). */
  updateRefusal: string | null = null;
  /** order_update refuses order items (a WARNING), as Hublify's does. */
  updateRefusesItems = false;
  updates: { order?: Record<string, unknown> }[] = [];
  /** The items Hublify holds (order_get answers them); order_update never changes them, as Hublify's. */
  hublifyItems: { oi_pcode: string; oi_quantity: number }[] = [{ oi_pcode: 'EK00001', oi_quantity: 1 }];
  lookups = 0;
  polls = 0;
  hublifyState = 'received';
  stages: StageChangeInput[] = [];
  shipments = 0;
  notices: SupportNotice[] = [];
  /** When set, injectOrder and findInjectedOrder are the real activities against this fake Hublify. */
  hublify: FakeHublify | undefined;
  constructor(readonly order: ApicbaseOrder) {}
  get hublifyId(): string {
    return `H-${this.order.order_number}`;
  }
  hublifyData(): HublifyOrderData {
    const shipped = this.hublifyState === 'shipped';
    return {
      orderid: this.hublifyId,
      personid: 'P-1',
      o_orderid_external: this.order.order_number,
      order_state_code: this.hublifyState,
      delivery_list: shipped ? [{ dv_extcode: 'TRACK-1' }] : [],
      orderitems: this.hublifyItems,
    };
  }
}

/** The messages of an error and its causes. */
const messagesOf = (err: unknown): string[] => (err instanceof Error ? [err.message, ...messagesOf(err.cause)] : []);

const fakesByOrder = new Map<string, Fakes>();
const fakesOf = (orderNumber: string) => fakesByOrder.get(orderNumber)!;
const byWorkflowId = (workflowId: string) =>
  [...fakesByOrder.values()].find((f) => `apicbase-order-${f.order.id}` === workflowId)!;

/** The activities the order workflow calls, as plain fakes (names as createOrderActivities gives them). */
const activities = {
  checkOrder(order: ApicbaseOrder) {
    const f = fakesOf(order.order_number);
    f.checks += 1;
    return Promise.resolve(
      f.checkFails ? { ok: false as const, reasons: f.checkFails } : { ok: true as const, request: requestFor(order) },
    );
  },
  async checkOrderRecordingVerified(order: ApicbaseOrder, verified: StageChangeInput) {
    const result = await activities.checkOrder(order);
    if (result.ok) fakesOf(order.order_number).stages.push(verified);
    return result;
  },
  recordStage(record: StageChangeInput) {
    fakesOf(record.orderNumber).stages.push(record);
    return Promise.resolve();
  },
  recordShipments(workflowId: string, shipments: unknown[]) {
    byWorkflowId(workflowId).shipments += shipments.length;
    return Promise.resolve();
  },
  async injectOrder(
    request: HublifyOrderCreateRequest,
    versions?: HublifyOrderCreateRequest[],
    by?: 'content' | 'identity',
  ) {
    const f = fakesOf(request.fields.order.o_orderid_external!);
    f.injected.push(request);
    if (f.hublify) return f.hublify.activities().injectOrder(request, versions, by);
    if (f.injectRefusal) throw ApplicationFailure.nonRetryable(f.injectRefusal, 'HublifyRejected');
    // Ends only by Temporal's cancel (Context.sleep rejects then), reaching the activity through its heartbeat.
    while (f.injectHangs) {
      Context.current().heartbeat();
      await Context.current().sleep(200);
    }
    while (f.injectFinishesAfterCancel && !Context.current().cancellationSignal.aborted) {
      Context.current().heartbeat();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return Promise.resolve({
      orderId: f.hublifyId,
      personId: 'P-1',
      state: 'received',
      stateName: null,
      duplicate: false,
      attempts: 1,
    });
  },
  findInjectedOrder(
    request: HublifyOrderCreateRequest,
    versions?: HublifyOrderCreateRequest[],
    by?: 'content' | 'identity',
  ) {
    const f = fakesOf(request.fields.order.o_orderid_external!);
    f.lookups += 1;
    if (f.hublify) return f.hublify.activities().findInjectedOrder(request, versions, by);
    if (f.lookupFails)
      throw ApplicationFailure.nonRetryable('Hublify order_get answered HTTP 500', 'HublifyUnavailable');
    return Promise.resolve(f.lookupFinds ? f.hublifyData() : null);
  },
  async findHublifyOrder(filter: { o_orderid_external?: string }) {
    const f = fakesOf(filter.o_orderid_external!);
    f.polls += 1;
    const data = f.hublifyData();
    if (f.pollGate) await f.pollGate;
    return data;
  },
  updateHublifyOrder(filter: { orderid?: string }, fields: { order?: Record<string, unknown> }) {
    const f = [...fakesByOrder.values()].find((x) => x.hublifyId === filter.orderid)!;
    f.updates.push(fields);
    if (f.updateRefusal) throw ApplicationFailure.nonRetryable(f.updateRefusal, 'HublifyRejected');
    // As Hublify's order_update when asked to: order items are not among the fields it may change.
    const refusable = (k: string) => f.updateRefusesItems && k === 'orderitems';
    const updated = Object.keys(fields.order ?? {}).filter((k) => !refusable(k));
    const refused = Object.keys(fields.order ?? {}).filter(refusable);
    return Promise.resolve({
      updated,
      refused,
      messages: refused.length ? [`WARNING: field(s) not available for update: ${refused.join(', ')}`] : [],
    });
  },
  notifySupport(notice: SupportNotice) {
    const f = fakesOf(notice.orderNumber);
    if (f.notifyFails) throw new Error('notification endpoint answered HTTP 500');
    f.notices.push(notice);
    return Promise.resolve();
  },
  emailCustomer() {
    return Promise.resolve();
  },
};

void describe('order workflow with stubbed activities', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `stubbed-${randomUUID()}`;

  before(async () => {
    env = await startTestTemporal();
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: await testWorkflowBundle(),
      activities,
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  const start = async (fakes: Fakes, source: 'webhook' | 'pull' = 'webhook', settings = SETTINGS) => {
    fakesByOrder.set(fakes.order.order_number, fakes);
    return env.client.workflow.start<OrderWorkflow>(ORDER_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `apicbase-order-${fakes.order.id}`,
      args: [{ order: fakes.order, source, settings }],
    });
  };

  /**
   * Support stops the relay's tracking: the run ends CANCELLED. Its notices are side steps the run's
   * end waits for, so what support was told is all there then, as [stage, failure type].
   */
  const stopAndNotices = async (handle: WorkflowHandle<OrderWorkflow>, fakes: Fakes) => {
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test over', stopTracking: true }] });
    assert.equal((await handle.result()).stage, 'CANCELLED');
    return fakes.notices.map((n) => [n.stage, n.failureType]);
  };

  void it('the contract names the workflow the entry exports, with its signature', () => {
    const typed: OrderWorkflow = orderWorkflow;
    assert.equal(typed.name, ORDER_WORKFLOW_TYPE);
  });

  void it('check: accepted after one local activity that records VERIFIED; tracked until Hublify says shipped', async () => {
    const fakes = new Fakes(sampleOrder());
    const handle = await start(fakes);
    const verdict = await handle.executeUpdate<OrderVerdict, [VerdictRequest]>(verdictUpdate.name, { args: [{}] });
    assert.equal(verdict.accepted, true);
    assert.equal(fakes.checks, 1);
    assert.equal(fakes.stages[0]?.stage, 'VERIFIED');
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    fakes.hublifyState = 'shipped';
    await handle.signal(pollNowSignal);
    const result: OrderStatus = await handle.result();
    assert.equal(result.stage, 'SHIPPED');
    assert.deepEqual(
      fakes.stages.map((s) => s.stage),
      ['VERIFIED', 'INJECTED', 'WAITING_FOR_SHIPMENT', 'SHIPPED'],
    );
    assert.equal(fakes.injected.length, 1);
    assert.equal(fakes.shipments, 1);
    assert.equal(fakes.notices.length, 0);
  });

  void it('check: a pulled order that fails waits for support (notified once), and a retry after the fix goes on to Hublify', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.checkFails = ['supplier_customer_number "X" is not set up'];
    const handle = await start(fakes, 'pull');
    const waiting = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.deepEqual(waiting.rejectionReasons, fakes.checkFails);
    assert.equal(fakes.injected.length, 0);
    fakes.checkFails = null;
    await handle.signal(retrySignal, { note: 'directory fixed' });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(fakes.checks, 2);
    assert.equal(fakes.injected.length, 1);
    assert.deepEqual(await stopAndNotices(handle, fakes), [['NEEDS_ATTENTION', 'OrderRejected']]);
  });

  void it('inject: Hublify refuses, support is notified and retries; the next attempt is adopted', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.injectRefusal = 'article unknown';
    const handle = await start(fakes);
    const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.match(stuck.lastError ?? '', /^Hublify rejected the order: /);
    assert.equal(stuck.attempts.inject, 1);
    fakes.injectRefusal = null;
    await handle.signal(retrySignal);
    const injected = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(injected.hublify?.orderId, fakes.hublifyId);
    assert.equal(injected.lastError, null);
    assert.equal(fakes.injected.length, 2);
    assert.deepEqual(await stopAndNotices(handle, fakes), [['NEEDS_ATTENTION', 'HublifyRejected']]);
  });

  void it('amend: before injection the corrected request is re-injected (`reinjected`); once in Hublify it goes by order_update (`updated`)', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.injectRefusal = 'street unknown';
    const handle = await start(fakes);
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    fakes.injectRefusal = null;
    const before = await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
    assert.equal(before.outcome, 'reinjected');
    assert.deepEqual(before.updated, ['deliver_street']);
    assert.equal(before.hublifyOrderId, fakes.hublifyId);
    assert.deepEqual(fakes.injected.map(streetOf), ['Alte Straße', 'Neue Straße']);
    assert.equal(fakes.updates.length, 0);
    const inHublify = await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_town: 'Bremen' } }] });
    assert.equal(inHublify.outcome, 'updated');
    assert.deepEqual(fakes.updates, [{ order: { deliver_town: 'Bremen' } }]);
    const request = await handle.query('request');
    assert.equal((request as HublifyOrderCreateRequest).fields.order.deliver_town, 'Bremen');
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test over', stopTracking: true }] });
    await handle.result();
  });

  void it('an amendment stops an attempt during an outage and Hublify cannot be asked about it: NEEDS_ATTENTION, not a failed run; retry sends the amended order (issue 22.1)', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.injectHangs = true;
    fakes.lookupFails = true;
    const handle = await start(fakes);
    await pollUntil(() => fakes.injected.length === 1, {
      what: 'the first order_create attempt',
      timeoutMs: PATIENCE_MS,
    });
    const amended = handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
    const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.match(stuck.lastError ?? '', /could not ask Hublify whether the stopped attempt created/);
    // The correction waits with the order, named (issue 22.3, I3).
    assert.match(stuck.lastError ?? '', /corrections pending, not in Hublify yet .*: deliver_street$/);
    assert.equal(fakes.lookups, 1);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    // Hublify is back: support's retry sends the amended order, and the amendment answers with it.
    fakes.injectHangs = false;
    fakes.lookupFails = false;
    await handle.signal(retrySignal);
    const answer = await amended;
    assert.equal(answer.outcome, 'reinjected');
    assert.deepEqual(answer.updated, ['deliver_street']);
    assert.deepEqual(fakes.injected.map(streetOf), ['Alte Straße', 'Neue Straße']);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.deepEqual(await stopAndNotices(handle, fakes), [['NEEDS_ATTENTION', 'HublifyUnavailable']]);
  });

  /** Waits until the order recorded a stage entry `matching` for the `n`th time; returns that record. */
  const nthRecord = async (fakes: Fakes, n: number, matching: (r: StageChangeInput) => boolean) => {
    await pollUntil(() => fakes.stages.filter(matching).length >= n, {
      what: `stage record ${n} matching`,
      timeoutMs: PATIENCE_MS,
    });
    return fakes.stages.filter(matching)[n - 1]!;
  };
  const namesItems = (r: StageChangeInput) =>
    r.stage === 'NEEDS_ATTENTION' && /^corrections refused by Hublify.*orderitems/.test(r.detail ?? '');

  void it('amend of items once in Hublify: REFUSED, NEEDS_ATTENTION naming what to do in Hublify; a poll finding Hublify unchanged keeps it, retry sends it again, and the order waits until Hublify holds the items (issue 22.3a)', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.updateRefusesItems = true;
    const handle = await start(fakes, 'pull');
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    const items = [{ oi_pcode: 'EK00001', oi_quantity: 6 }];
    const answer = await handle.executeUpdate(amendUpdate, { args: [{ orderitems: items }] });
    assert.equal(answer.outcome, 'refused');
    assert.deepEqual(answer.refused, ['orderitems']);
    assert.match(answer.messages.join(' '), /change them in Hublify \(order H-[^)]+\) yourself, then send retry/);
    const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.match(stuck.lastError ?? '', /^corrections refused by Hublify, not in Hublify order H-.*: orderitems/);
    assert.deepEqual(stuck.corrections?.fields, ['orderitems']);
    // What the relay says Hublify holds is what it holds: the old items.
    const shown = (await handle.query(requestQuery))!;
    assert.deepEqual(shown.fields.order.orderitems, [{ oi_pcode: 'EK00001', oi_quantity: 1 }]);

    // A poll that finds Hublify unchanged (but for a new state) does not end NEEDS_ATTENTION.
    fakes.hublifyState = 'processing';
    await handle.signal(pollNowSignal);
    const polled = await nthRecord(fakes, 1, (r) => /Hublify state processing/.test(r.detail ?? ''));
    assert.equal(polled.stage, 'NEEDS_ATTENTION');
    assert.equal((await handle.query(statusQuery)).stage, 'NEEDS_ATTENTION');

    // Retry sends the correction again; Hublify refuses the items again: still NEEDS_ATTENTION.
    await handle.signal(retrySignal, { note: 'try again' });
    await nthRecord(fakes, 2, namesItems);
    assert.equal(fakes.updates.length, 2);
    assert.deepEqual(fakes.updates[1], { order: { orderitems: items } });
    assert.equal((await handle.query(statusQuery)).stage, 'NEEDS_ATTENTION');

    // Support changed the items in Hublify: the next poll finds them there, and tracking goes on.
    fakes.hublifyItems = items;
    await handle.signal(pollNowSignal);
    const back = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(back.lastError, null);
    assert.equal(back.corrections, undefined);
    assert.deepEqual((await handle.query(requestQuery))!.fields.order.orderitems, items);
    assert.deepEqual(await stopAndNotices(handle, fakes), [['NEEDS_ATTENTION', 'AmendmentNotInHublify']]);
  });

  void it('a correction made while order_create was in flight and refused by order_update keeps the order NEEDS_ATTENTION through polls; retry sends it, and tracking goes on once Hublify takes it (issue 22.3b)', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.injectHangs = true;
    fakes.lookupFinds = true;
    fakes.updateRefusal = 'street unknown';
    const handle = await start(fakes);
    await pollUntil(() => fakes.injected.length === 1, {
      what: 'the first order_create attempt',
      timeoutMs: PATIENCE_MS,
    });
    // The amendment stops the attempt, which had created the order: the correction goes by order_update.
    const answer = await handle.executeUpdate(amendUpdate, { args: [{ order: { deliver_street: 'Neue Straße' } }] });
    assert.equal(answer.outcome, 'refused');
    assert.deepEqual(answer.refused, ['deliver_street']);
    assert.equal(fakes.updates.length, 1);
    const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.match(stuck.lastError ?? '', /deliver_street/);
    assert.equal(stuck.hublify?.orderId, fakes.hublifyId);
    assert.equal(streetOf((await handle.query(requestQuery))!), 'Alte Straße');

    fakes.hublifyState = 'processing';
    await handle.signal(pollNowSignal);
    const polled = await nthRecord(fakes, 1, (r) => /Hublify state processing/.test(r.detail ?? ''));
    assert.equal(polled.stage, 'NEEDS_ATTENTION');
    const afterPoll = await handle.query(statusQuery);
    assert.equal(afterPoll.stage, 'NEEDS_ATTENTION');
    assert.match(afterPoll.lastError ?? '', /deliver_street/);

    // Support's retry sends the correction again; Hublify takes it now.
    fakes.updateRefusal = null;
    await handle.signal(retrySignal);
    const back = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(back.lastError, null);
    assert.equal(back.corrections, undefined);
    assert.deepEqual(fakes.updates[1], { order: { deliver_street: 'Neue Straße' } });
    assert.equal(streetOf((await handle.query(requestQuery))!), 'Neue Straße');
    assert.deepEqual(await stopAndNotices(handle, fakes), [['NEEDS_ATTENTION', 'HublifyRejected']]);
  });

  void it('cancel before Hublify has the order: asked whether an attempt reached it, then CANCELLED', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.injectRefusal = 'refused';
    const handle = await start(fakes);
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    const answer = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer called' }] });
    assert.equal(answer.outcome, 'cancelled');
    assert.equal(fakes.lookups, 1);
    assert.equal((await handle.result()).stage, 'CANCELLED');
  });

  // Issue 22 item 2: an attempt whose reply was lost created the order; an item amendment follows.
  const ITEMS_3 = { orderitems: [{ oi_pcode: 'EK00001', oi_quantity: 3 }] };
  const lostReplyOrder = async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.hublify = new FakeHublify(fakes.hublifyId);
    fakes.hublify.loseCreateReply = true;
    const handle = await start(fakes);
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    fakes.hublify.loseCreateReply = false;
    return { fakes, hublify: fakes.hublify, handle };
  };

  void it('I2: re-injection meets our own order (reply lost, items since amended): adopted by identity, the items sent by order_update, one Hublify order', async () => {
    const { fakes, hublify, handle } = await lostReplyOrder();
    const answer = await handle.executeUpdate(amendUpdate, { args: [ITEMS_3] });
    assert.equal(answer.hublifyOrderId, fakes.hublifyId);
    assert.deepEqual(answer.updated, ['orderitems']);
    const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(status.hublify?.orderId, fakes.hublifyId);
    assert.equal(status.lastError, null);
    assert.equal(hublify.creates, 2, 'the second order_create met the duplicate');
    assert.deepEqual(fakes.updates, [{ order: ITEMS_3 }]);
    assert.deepEqual(
      fakes.notices.map((n) => n.failureType),
      ['HublifyUnavailable'],
      'support told once, of the lost reply; never "another order holds number"',
    );
    // A plain cancel is refused now: Hublify holds the order, and the refusal names it.
    await assert.rejects(
      handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer called' }] }),
      (err: unknown) => messagesOf(err).some((m) => m.includes(`Hublify holds this order as ${fakes.hublifyId}`)),
    );
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test over', stopTracking: true }] });
    await handle.result();
  });

  void it('I4: cancel while Hublify holds our order under other items: asked then, named, not "never had"; the relay goes on tracking it', async () => {
    const { fakes, hublify, handle } = await lostReplyOrder();
    hublify.createDown = true;
    const amended = await handle.executeUpdate(amendUpdate, { args: [ITEMS_3] });
    assert.equal(amended.hublifyOrderId, null);
    const answer = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer called' }] });
    assert.equal(answer.outcome, 'in-hublify');
    assert.equal(answer.hublifyOrderId, fakes.hublifyId);
    assert.doesNotMatch(answer.message, /never had/);
    const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(status.hublify?.orderId, fakes.hublifyId);
    assert.deepEqual(fakes.updates, [{ order: ITEMS_3 }], 'the amended items go by order_update');
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test over', stopTracking: true }] });
    await handle.result();
  });

  void it('I2/I4: cancel while Hublify cannot be asked: nothing cancelled, the order waits for support; a cancel once Hublify answers finds it', async () => {
    const { fakes, hublify, handle } = await lostReplyOrder();
    hublify.getDown = true;
    const answer = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer called' }] });
    assert.equal(answer.outcome, 'unknown-in-hublify');
    assert.match(answer.message, /NOT cancelled: Hublify could not be asked whether it holds order/);
    assert.doesNotMatch(answer.message, /never had/);
    assert.equal(fakes.lookups, 1);
    const held = await waitForStatus(
      handle,
      (st) => st.stage === 'NEEDS_ATTENTION' && /NOT cancelled/.test(st.lastError ?? ''),
    );
    assert.equal(held.cancelReason ?? null, null, 'no cancel reason recorded: nothing was cancelled');
    assert.equal(hublify.creates, 1, 'no new attempt while support decides');
    // Hublify answers again: the next cancel asks it, finds our order, and the relay goes on tracking it.
    hublify.getDown = false;
    const again = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer called' }] });
    assert.equal(again.outcome, 'in-hublify');
    assert.equal(again.hublifyOrderId, fakes.hublifyId);
    assert.equal(fakes.lookups, 2);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(hublify.creates, 1);
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test over', stopTracking: true }] });
    assert.equal((await handle.result()).stage, 'CANCELLED');
  });

  void it('I2/I4: cancel --stop-tracking while Hublify cannot be asked: the relay stops, saying whether Hublify holds it is not known', async () => {
    const { fakes, hublify, handle } = await lostReplyOrder();
    hublify.getDown = true;
    const answer = await handle.executeUpdate(cancelUpdate, {
      args: [{ reason: 'customer called', stopTracking: true }],
    });
    assert.equal(answer.outcome, 'stopped-unasked');
    assert.equal(answer.hublifyOrderId, null);
    assert.match(answer.message, /could not be asked whether it holds order/);
    assert.doesNotMatch(answer.message, /never had/);
    assert.equal(fakes.lookups, 1);
    const result = await handle.result();
    assert.equal(result.stage, 'CANCELLED');
    assert.match(result.history.at(-1)?.detail ?? '', /could not be asked/);
    assert.equal(hublify.creates, 1);
  });

  void it('cancel while Hublify cannot be asked, then retry: a new attempt meets our order in Hublify and adopts it', async () => {
    const { fakes, hublify, handle } = await lostReplyOrder();
    hublify.getDown = true;
    const answer = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer called' }] });
    assert.equal(answer.outcome, 'unknown-in-hublify');
    await waitForStatus(handle, (st) => st.stage === 'NEEDS_ATTENTION' && /NOT cancelled/.test(st.lastError ?? ''));
    hublify.getDown = false;
    await handle.signal(retrySignal);
    const tracked = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(tracked.hublify?.orderId, fakes.hublifyId);
    assert.equal(hublify.creates, 2, 'the retry sent order_create once, and Hublify answered with our order');
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test over', stopTracking: true }] });
    await handle.result();
  });

  void it('cancel while order_create is in flight and the attempt creates the order: store and status record the same stages (issue 22.6)', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.injectFinishesAfterCancel = true;
    const handle = await start(fakes);
    await pollUntil(() => fakes.injected.length === 1, {
      what: 'the order_create attempt',
      timeoutMs: PATIENCE_MS,
    });
    const answer = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer called' }] });
    assert.equal(answer.outcome, 'in-hublify');
    const tracked = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    const fromStatus = tracked.history.map((h) => h.stage).filter((st, i) => !(i === 0 && st === 'RECEIVED'));
    assert.deepEqual(fromStatus, ['VERIFIED', 'INJECTED', 'WAITING_FOR_SHIPMENT']);
    assert.deepEqual(
      fakes.stages.map((st) => st.stage),
      fromStatus,
    );
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test over', stopTracking: true }] });
    assert.equal((await handle.result()).stage, 'CANCELLED');
    assert.equal(fakes.stages.at(-1)?.stage, 'CANCELLED');
  });

  void it('a failing notification does not stop tracking: due to continue as new, the run still polls on a push (issue 22.4)', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.injectRefusal = 'article unknown';
    fakes.notifyFails = true;
    const handle = await start(fakes, 'webhook', { ...SETTINGS, pollsPerRun: 1 });
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    fakes.injectRefusal = null;
    // The retry polls once at once: the run is then due to continue as new, its notice still failing.
    await handle.signal(retrySignal);
    await waitForStatus(handle, (st) => st.stage === 'WAITING_FOR_SHIPMENT' && st.attempts.polls === 1);
    fakes.hublifyState = 'shipped';
    await handle.signal(pollNowSignal);
    const shipped = await waitForStatus(handle, stageIs('SHIPPED'));
    assert.equal(shipped.attempts.polls, 2);
    assert.equal(fakes.notices.length, 0);
    // The run's end waits for its notice, which gets through once the endpoint answers.
    fakes.notifyFails = false;
    assert.equal((await handle.result()).stage, 'SHIPPED');
    assert.deepEqual(
      fakes.notices.map((n) => [n.stage, n.failureType]),
      [['NEEDS_ATTENTION', 'HublifyRejected']],
    );
  });

  void it('a push during the last poll of a run is carried across continue-as-new and polled at once (issue 22.4)', async () => {
    const fakes = new Fakes(sampleOrder());
    const handle = await start(fakes, 'webhook', { ...SETTINGS, pollsPerRun: 1 });
    const firstRunId = (await handle.describe()).runId;
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    let release!: () => void;
    fakes.pollGate = new Promise<void>((resolve) => (release = resolve));
    await handle.signal(pollNowSignal);
    await pollUntil(() => fakes.polls === 1, { what: 'the run’s one poll', timeoutMs: PATIENCE_MS });
    // Hublify ships and pushes while that poll (answering "received") is in flight.
    fakes.hublifyState = 'shipped';
    await handle.signal(statusChangedSignal, { state: 'shipped' });
    fakes.pollGate = null;
    release();
    await waitForStatus(handle, stageIs('SHIPPED'));
    const result: OrderStatus = await handle.result();
    assert.equal(result.stage, 'SHIPPED');
    assert.equal(fakes.polls, 2);
    assert.notEqual((await handle.describe()).runId, firstRunId, 'the order continued as new');
  });

  /** The webhook in `verified` mode: starts the order with the verdict update and takes the rejection in time. */
  const rejectedVerdict = async (fakes: Fakes) => {
    fakesByOrder.set(fakes.order.order_number, fakes);
    const startWorkflowOperation = new WithStartWorkflowOperation<OrderWorkflow>(ORDER_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `apicbase-order-${fakes.order.id}`,
      args: [{ order: fakes.order, source: 'webhook', settings: SETTINGS }],
      workflowIdConflictPolicy: 'FAIL',
    });
    const verdict = await env.client.workflow.executeUpdateWithStart(verdictUpdate, {
      args: [{ answerBy: Date.now() + PATIENCE_MS }],
      startWorkflowOperation,
    });
    assert.equal(verdict.accepted, false);
    return startWorkflowOperation.workflowHandle();
  };

  void it('a rejected verdict whose caller had already answered 202 is not counted as shown: NEEDS_ATTENTION, not REJECTED (issue 22.7)', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.checkFails = ['status DRAFT'];
    // The caller took the rejection, but too late to show it: it never confirms.
    const handle = await rejectedVerdict(fakes);
    const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.match(stuck.lastError ?? '', /after its 2xx/);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    assert.deepEqual(
      fakes.notices.map((n) => [n.stage, n.failureType, n.rejectedAfterAck]),
      [['NEEDS_ATTENTION', 'OrderRejected', true]],
    );
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test over' }] });
    assert.equal((await handle.result()).stage, 'CANCELLED');
  });

  void it('a rejected verdict the webhook confirms it shows (its 422) ends the run REJECTED, support not told (issue 22.7)', async () => {
    const fakes = new Fakes(sampleOrder());
    fakes.checkFails = ['status DRAFT'];
    const handle = await rejectedVerdict(fakes);
    await handle.signal(rejectionShownSignal);
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(String((err.cause as Error).message), /rejected: status DRAFT/);
      return true;
    });
    assert.equal((await waitForStatus(handle, () => true)).stage, 'REJECTED');
    assert.equal(fakes.notices.length, 0);
  });
});
