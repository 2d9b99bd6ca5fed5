// FROZEN: the order workflow as it ran before the `order-workflow-v2` patch. Runs started on it (their
// histories lack the v2 marker) replay here, so nothing in this file may change what it commands.
// New behaviour goes into ../workflow.ts and its parts. Sealed: it imports only its own copies of the
// runtime helpers (this folder) and the shared contracts (messages, status types, search attributes).
// When it goes: README.md, "Removing v1".
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { OrderActivities } from '../../../activities';
import type { ApicbaseActivities } from '../../../activities/apicbase-activities';
import type { HublifyOrderCreateRequest, HublifyOrderData } from '../../../src/hublify/types';
import { epochMsOf, parseIsoDateTime } from './iso-date-time';
import { describeFailure, failureType } from './failures';
import {
  amendUpdate,
  cancelReasonSignal,
  pollNowSignal,
  retrySignal,
  statusChangedSignal,
  statusQuery,
  verdictUpdate,
} from '../../order-messages';
import type {
  AmendRequest,
  AmendResult,
  CarriedState,
  HublifyRef,
  OrderStage,
  OrderStatus,
  OrderVerdict,
  OrderWorkflowInput,
  Shipment,
} from '../../order-status';
import { FINAL_STAGES } from '../../order-status';
import { validateAmendRequest } from './amend-validation';
import { pollDelayMs } from './poll-schedule';
import { HublifyOrderId, OrderStage as OrderStageKey } from '../../search-attributes';

const local: ActivityOptions = { startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '1m' } };

export async function orderWorkflowV1(input: OrderWorkflowInput): Promise<OrderStatus> {
  const { order, settings } = input;
  const { workflowId } = workflowInfo();
  // One proxy; each call names its step in the Web UI and overrides timeouts where it needs to.
  const activities = proxyActivities<OrderActivities>(local);
  // A Hublify call's own timeout plus a margin: past it Temporal assumes the worker died and retries.
  const hublifyCallTimeoutMs = settings.hublifyTimeoutMs + 5_000;
  const hublifyCall: ActivityOptions = {
    startToCloseTimeout: hublifyCallTimeoutMs,
    retry: { initialInterval: '1s', maximumAttempts: 3 },
  };
  // Transient Hublify trouble is retried by Temporal with backoff for as long as configured.
  const injectionOptions: ActivityOptions = {
    startToCloseTimeout: hublifyCallTimeoutMs,
    scheduleToCloseTimeout: settings.injectRetry.retryForMs,
    retry: {
      initialInterval: settings.injectRetry.initialIntervalMs,
      maximumInterval: settings.injectRetry.maximumIntervalMs,
      backoffCoefficient: 2,
    },
  };

  const status: OrderStatus = input.carried?.status ?? {
    workflowId,
    apicbaseId: order.id,
    orderNumber: order.order_number,
    customerNumber: order.supplier_customer_number,
    source: input.source,
    stage: 'RECEIVED',
    overdue: false,
    hublify: null,
    shipments: [],
    attempts: { inject: 0, polls: 0 },
    lastError: null,
    rejectionReasons: [],
    unknownStates: [],
    cancelReason: null,
    history: [
      { stage: 'RECEIVED', at: new Date(workflowInfo().startTime).toISOString(), detail: `from ${input.source}` },
    ],
  };
  let request: HublifyOrderCreateRequest | undefined = input.carried?.request;
  let verdict: OrderVerdict | undefined = input.carried
    ? { workflowId, accepted: true, stage: status.stage, reasons: [] }
    : undefined;
  let pollRequested = false;
  let retryRequested = false;
  let injectAttemptsSettled = 0;

  // ---- messages -------------------------------------------------------------------------------
  setHandler(statusQuery, () => status);
  setHandler(verdictUpdate, async () => {
    await condition(() => verdict !== undefined);
    return verdict!;
  });
  setHandler(pollNowSignal, () => void (pollRequested = true));
  setHandler(statusChangedSignal, () => void (pollRequested = true));
  setHandler(retrySignal, (arg) => {
    retryRequested = true;
    pollRequested = true;
    if (arg?.note) log.info('retry requested', { note: arg.note });
  });
  setHandler(cancelReasonSignal, (reason) => void (status.cancelReason = reason));
  setHandler(amendUpdate, amend, {
    validator: (req: AmendRequest) => {
      if (FINAL_STAGES.includes(status.stage)) throw new Error(`order is ${status.stage}: nothing to amend`);
      if (request === undefined)
        throw new Error('order is not mapped yet (fix the customer directory, then send `retry`)');
      validateAmendRequest(req);
    },
  });

  async function amend(req: AmendRequest): Promise<AmendResult> {
    const changed = [...Object.keys(req.order ?? {}), ...(req.orderitems ? ['orderitems'] : [])];
    if (status.hublify === null) {
      // Not in Hublify yet: correct the request and inject it again.
      request = {
        fields: {
          ...request!.fields,
          order: { ...request!.fields.order, ...req.order, ...(req.orderitems ? { orderitems: req.orderitems } : {}) },
        },
      };
      const settledBefore = injectAttemptsSettled;
      retryRequested = true;
      await condition(() => injectAttemptsSettled > settledBefore);
      const injected = hublifyRef();
      return injected
        ? {
            outcome: 'reinjected',
            updated: changed,
            refused: [],
            pendingFields: [],
            hublifyOrderId: injected.orderId,
            messages: [`injected as ${injected.orderId}`],
          }
        : {
            outcome: 'reinjected',
            updated: [],
            refused: changed,
            pendingFields: [],
            hublifyOrderId: null,
            messages: [status.lastError ?? 'injection failed'],
          };
    }
    const result = await activities.updateHublifyOrder.executeWithOptions(
      { ...hublifyCall, summary: `amend Hublify order ${status.hublify.orderId} (order_update)` },
      [
        { orderid: status.hublify.orderId },
        { order: { ...req.order, ...(req.orderitems ? { orderitems: req.orderitems } : {}) } },
      ],
    );
    // Keep the request as Hublify now has it: a continued run carries it (and `orders show` reads it).
    const accepted = Object.entries(req.order ?? {}).filter(([field]) => result.updated.includes(field));
    const items = req.orderitems && result.updated.includes('orderitems') ? { orderitems: req.orderitems } : {};
    request = {
      fields: { ...request!.fields, order: { ...request!.fields.order, ...Object.fromEntries(accepted), ...items } },
    };
    await enterStage(
      status.stage,
      `amended: updated ${result.updated.join(', ') || 'nothing'}; refused ${result.refused.join(', ') || 'nothing'}`,
    );
    return { outcome: 'updated', pendingFields: [], hublifyOrderId: status.hublify.orderId, ...result };
  }

  // Read through a function: TypeScript cannot see that handlers change it across an await.
  function hublifyRef(): HublifyRef | null {
    return status.hublify;
  }

  // ---- stage bookkeeping ----------------------------------------------------------------------
  async function enterStage(stage: OrderStage, detail?: string): Promise<void> {
    const at = new Date().toISOString();
    const previousStage = status.stage;
    status.stage = stage;
    status.history.push({ stage, at, ...(detail ? { detail } : {}) });
    upsertSearchAttributes([{ key: OrderStageKey, value: stage }]);
    setCurrentDetails(currentDetails());
    await activities.recordStage({
      workflowId,
      apicbaseId: status.apicbaseId,
      orderNumber: status.orderNumber,
      customerNumber: status.customerNumber,
      stage,
      at,
      detail: detail ?? null,
      hublifyOrderId: status.hublify?.orderId ?? null,
      hublifyState: status.hublify?.state ?? null,
      // For the business metrics (activity input only: replay does not compare it).
      previousStage,
      receivedAt: status.history[0]?.at ?? null,
      source: status.source,
    });
  }

  function currentDetails(): string {
    const h = status.hublify;
    const hub = h ? `Hublify ${h.orderId}: ${h.state}` : 'not in Hublify yet';
    const ships = status.shipments.length ? ` · ${status.shipments.length} shipment(s)` : '';
    const err = status.lastError && status.stage === 'NEEDS_ATTENTION' ? ` · ${status.lastError}` : '';
    // Support reads why an order was cancelled at the top of its Web UI page.
    const why = status.stage === 'CANCELLED' && status.cancelReason ? ` · reason: ${status.cancelReason}` : '';
    return `**${status.stage}**${status.overdue ? ' (overdue)' : ''} · ${hub}${ships}${err}${why}`;
  }

  async function waitForSupport(reason: string): Promise<void> {
    status.lastError = reason;
    await enterStage('NEEDS_ATTENTION', reason);
    retryRequested = false;
    await condition(() => retryRequested);
    retryRequested = false;
  }

  // ---- steps ------------------------------------------------------------------------------------
  /** Verify and map; returns false when the order was rejected (the workflow then ends REJECTED). */
  async function verifyAndMap(): Promise<boolean> {
    for (;;) {
      try {
        await activities.verifyOrder.executeWithOptions({ ...local, summary: `verify order ${order.order_number}` }, [
          order,
        ]);
        request = await activities.mapOrder.executeWithOptions(
          { ...local, summary: `map order ${order.order_number} to Hublify` },
          [order],
        );
        status.rejectionReasons = [];
        verdict = { workflowId, accepted: true, stage: 'VERIFIED', reasons: [] };
        await enterStage('VERIFIED');
        return true;
      } catch (err) {
        if (isCancellation(err) || failureType(err) !== 'OrderRejected') throw err;
        status.rejectionReasons = rejectionReasons(err);
        if (input.source !== 'webhook') {
          // A pulled order is already ORDERED in Apicbase and cannot be refused: support must act.
          await waitForSupport(`order rejected: ${status.rejectionReasons.join('; ')}`);
          continue;
        }
        verdict = { workflowId, accepted: false, stage: 'REJECTED', reasons: status.rejectionReasons };
        await enterStage('REJECTED', status.rejectionReasons.join('; '));
        return false;
      }
    }
  }

  async function inject(): Promise<void> {
    while (status.hublify === null) {
      try {
        const result = await activities.injectOrder.executeWithOptions(
          { ...injectionOptions, summary: `inject order ${order.order_number} into Hublify (order_create)` },
          [request!],
        );
        status.attempts.inject += result.attempts;
        status.hublify = {
          orderId: result.orderId,
          personId: result.personId,
          state: result.state,
          stateName: result.stateName,
        };
        status.lastError = null;
        injectAttemptsSettled += 1;
        upsertSearchAttributes([{ key: HublifyOrderId, value: result.orderId }]);
        await enterStage(
          'INJECTED',
          result.duplicate ? `already in Hublify as ${result.orderId}` : `Hublify order ${result.orderId}`,
        );
        if (settings.apicbaseViewed) markViewedInApicbase(settings.apicbaseViewed.taskQueue);
      } catch (err) {
        // Only the activity's own failure means "Hublify said no / was away"; anything else is a bug.
        if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
        status.attempts.inject += 1;
        injectAttemptsSettled += 1;
        await waitForSupport(injectFailureText(err, settings.injectRetry.retryForMs));
      }
    }
  }

  /** Tells the customer in Apicbase the supplier saw the order (APICBASE_MARK_VIEWED). Never holds the order up. */
  function markViewedInApicbase(taskQueue: string): void {
    const options: ActivityOptions = {
      taskQueue,
      startToCloseTimeout: '2m',
      retry: { initialInterval: '5s', maximumInterval: '5m', maximumAttempts: 10 },
    };
    proxyActivities<ApicbaseActivities>(options)
      .markApicbaseOrder.executeWithOptions(
        { ...options, summary: `mark ${order.order_number} viewed_by_supplier in Apicbase` },
        [order.id, 'viewed'],
      )
      .catch((err: unknown) =>
        log.warn('could not mark the order viewed in Apicbase', { error: describeFailure(err) }),
      );
  }

  /** Polls order_get once; true when the order reached a final state. */
  async function pollOnce(): Promise<boolean> {
    const ref = status.hublify!;
    let data: HublifyOrderData;
    status.attempts.polls += 1;
    try {
      data = await activities.getHublifyOrder.executeWithOptions(
        { ...hublifyCall, summary: `poll Hublify order ${ref.orderId} (order_get)` },
        [{ orderid: ref.orderId }],
      );
    } catch (err) {
      if (isCancellation(err)) throw err;
      status.lastError = `order_get failed: ${describeFailure(err)}`;
      setCurrentDetails(currentDetails());
      return false;
    }
    status.lastError = null;
    const fresh = newShipments(data);
    if (fresh.length) {
      await activities.recordShipments(workflowId, fresh);
      status.shipments.push(...fresh);
    }
    const state = data.order_state_code;
    if (state !== ref.state) {
      ref.state = state;
      ref.stateName = data.order_state_name ?? null;
      if (settings.finalStates.includes(state)) {
        await enterStage('SHIPPED', `Hublify state ${state}; ${status.shipments.length} shipment(s)`);
        return true;
      }
      if (settings.cancelledStates.includes(state)) {
        await enterStage('CANCELLED', `cancelled in Hublify (state ${state})`);
        return true;
      }
      const known = ['received', 'processing', 'partially_shipped'].includes(state);
      if (!known && !status.unknownStates.includes(state)) status.unknownStates.push(state);
      await enterStage(status.stage, `Hublify state ${state}${known ? '' : ' (unknown state code; still tracking)'}`);
    } else if (fresh.length) {
      await enterStage(status.stage, `${fresh.length} new shipment(s)`);
    }
    return false;
  }

  function newShipments(data: HublifyOrderData): Shipment[] {
    const known = new Set(status.shipments.map((s) => s.trackingCode));
    const out: Shipment[] = [];
    for (const d of data.delivery_list ?? []) {
      const trackingCode = d.dv_extcode ?? `${d.shp_c_label ?? 'shipment'}-${d.dv_time_sent ?? out.length}`;
      if (known.has(trackingCode)) continue;
      known.add(trackingCode);
      out.push({
        carrierLabel: d.shp_c_label ?? null,
        carrierName: d.shp_c_name ?? null,
        trackingCode,
        traceUrl: d.drvd_dv_trace_url ?? null,
        sentAt: d.dv_time_sent ?? null,
      });
    }
    return out;
  }

  async function track(carried?: CarriedState): Promise<void> {
    const trackingStartedAt = carried?.trackingStartedAt ?? new Date().toISOString();
    let pollIndex = carried?.pollIndex ?? 0;
    if (!carried) await enterStage('WAITING_FOR_SHIPMENT', `Hublify state ${status.hublify!.state}`);
    const hardLimitAt = Date.parse(trackingStartedAt) + settings.hardLimitMs;
    // Read like verify and map read it (an offset-less time is UTC), never in the worker's own zone.
    const expected = order.expected_delivery_date
      ? parseIsoDateTime(order.expected_delivery_date, { allowDateOnly: true })
      : undefined;
    const overdueAt = expected ? epochMsOf(expected) + settings.overdueGraceMs : undefined;

    const flagIfOverdue = async () => {
      if (overdueAt === undefined || status.overdue || Date.now() < overdueAt) return;
      status.overdue = true;
      await enterStage(
        'OVERDUE',
        `expected delivery ${order.expected_delivery_date} passed (plus grace); still tracking`,
      );
    };

    for (let pollsThisRun = 0; ; pollsThisRun++) {
      if (pollsThisRun >= settings.pollsPerRun || workflowInfo().continueAsNewSuggested) {
        // Keep the history bounded: start a fresh run carrying everything the status shows.
        await condition(allHandlersFinished);
        const next: CarriedState = { status, request: request!, trackingStartedAt, pollIndex };
        return continueAsNew<typeof orderWorkflowV1>({ ...input, carried: next });
      }
      // Checked before the wait too: an order already past its date is flagged now, not a poll later.
      // (patched: runs started before this change waited first and must replay as they ran.)
      if (patched('flag-overdue-before-wait')) await flagIfOverdue();
      const now = Date.now();
      let wait = Math.min(pollDelayMs(settings.pollSchedule, pollIndex), Math.max(hardLimitAt - now, 0));
      if (overdueAt !== undefined && !status.overdue && overdueAt > now) wait = Math.min(wait, overdueAt - now);
      if (!pollRequested) await condition(() => pollRequested, wait);
      pollRequested = false;

      await flagIfOverdue();
      pollIndex += 1;
      if (await pollOnce()) return;
      if (Date.now() >= hardLimitAt) {
        await enterStage('TIMED_OUT', `not shipped within ${Math.round(settings.hardLimitMs / 1000)}s of injection`);
        return;
      }
    }
  }

  // ---- the run ----------------------------------------------------------------------------------
  try {
    if (!input.carried) {
      setCurrentDetails(currentDetails());
      if (!(await verifyAndMap())) {
        await condition(allHandlersFinished);
        throw ApplicationFailure.nonRetryable(
          `order ${order.order_number} rejected: ${status.rejectionReasons.join('; ')}`,
          'OrderRejected',
          status.rejectionReasons,
        );
      }
      await inject();
    }
    await track(input.carried);
    await condition(allHandlersFinished);
    return status;
  } catch (err) {
    if (isCancellation(err)) {
      // Record why, even though the workflow is being cancelled.
      await CancellationScope.nonCancellable(() =>
        enterStage('CANCELLED', status.cancelReason ?? 'cancelled in Temporal (no reason given)'),
      );
    }
    throw err;
  }
}

function injectFailureText(err: unknown, retryForMs: number): string {
  switch (failureType(err)) {
    case 'HublifyRejected':
      return `Hublify rejected the order: ${describeFailure(err)}`;
    case 'HublifyAuthRefused':
      return `Hublify refused the channel token: ${describeFailure(err)}`;
    default:
      return `Hublify could not be reached for ${Math.round(retryForMs / 1000)}s: ${describeFailure(err)}`;
  }
}

function rejectionReasons(err: unknown): string[] {
  let cur: unknown = err;
  while (cur instanceof Error) {
    if (cur instanceof ApplicationFailure && cur.type === 'OrderRejected') {
      const reasons = cur.details?.[0];
      return Array.isArray(reasons) ? reasons.map(String) : [cur.message];
    }
    cur = cur.cause;
  }
  return [describeFailure(err)];
}
