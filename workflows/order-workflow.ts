// The order workflow: one per Apicbase order (id `apicbase-order-<Apicbase id>`).
// check (verify + map) → inject into Hublify → track until shipped, recording every stage and shipment.
// Retries, timeouts and waits are Temporal's: activity retry policies, durable timers, signals, updates.
// Deterministic: no I/O, clocks or randomness but the SDK's own (Date.now() here is workflow time).
//
// Shaped for the engine: the check and the stage bookkeeping are local activities (no server round
// trip), so the verdict is answered from the first workflow task and order_create is the only remote
// activity before WAITING_FOR_SHIPMENT.
import {
  ActivityCancellationType,
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
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities';
import type { ApicbaseActivities } from '../activities/apicbase-activities';
import type { StageChangeInput } from '../activities/record-tracking';
import type { HublifyOrderCreateRequest, HublifyOrderData } from '../src/hublify/types';
import { validateAmendRequest } from './amend-validation';
import { describeFailure, failureType } from './failures';
import { epochMsOf, parseIsoDateTime } from './iso-date-time';
import {
  amendUpdate,
  cancelReasonSignal,
  cancelUpdate,
  pollNowSignal,
  requestQuery,
  retrySignal,
  statusChangedSignal,
  statusQuery,
  verdictUpdate,
} from './order-messages';
import { amendedFieldNames, fieldValues, withAmendment } from './order-request';
import type {
  AmendRequest,
  AmendResult,
  CancelRequest,
  CancelResult,
  CarriedState,
  HublifyRef,
  NoticeActivities,
  OrderStage,
  OrderStatus,
  OrderVerdict,
  OrderWorkflowInput,
} from './order-status';
import { CANCEL_REFUSED_IN_HUBLIFY, FINAL_STAGES } from './order-status';
import { orderWorkflowV1 } from './order-workflow-v1';
import { pollDelayMs } from './poll-schedule';
import { HublifyOrderId, OrderStage as OrderStageKey } from './search-attributes';
import { newShipments } from './shipments';

/** The verdict is answered this long before its caller stops waiting, so the answer still reaches it. */
const VERDICT_MARGIN_MS = 750;
const DEFAULT_AMEND_WAIT_MS = 20_000;
const KNOWN_STATES = ['received', 'processing', 'partially_shipped'];
/** Patch: a successful check records the VERIFIED stage in the same local activity. */
const VERIFIED_RECORDED_BY_CHECK = 'verified-recorded-by-check';
/** Patch: support's free text (notes, a cancel reason) stays out of the record store and logs. */
const SUPPORT_TEXT_OUT_OF_STORE = 'support-text-out-of-store';

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderStatus> {
  // Runs started before this version (their histories lack the marker) go on as they were written.
  if (!patched('order-workflow-v2')) return orderWorkflowV1(input);
  return runOrder(input);
}

/** A stage detail with support's text, and the same without it (supportText). */
interface SupportText {
  detail: string;
  publicDetail: string;
}

async function runOrder(input: OrderWorkflowInput): Promise<OrderStatus> {
  const { order, settings, carried } = input;
  const { workflowId } = workflowInfo();
  const local = proxyLocalActivities<OrderActivities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '1m' } });
  // A Hublify call's own timeout plus a margin: past it Temporal assumes the worker died and retries.
  const hublifyCall: ActivityOptions = { startToCloseTimeout: settings.hublifyTimeoutMs + 5_000, retry: { initialInterval: '1s', maximumAttempts: 3 } };
  // Options merge key by key into the proxy's (retry policies too), so the proxy sets none of its own.
  const remote = proxyActivities<OrderActivities>({ startToCloseTimeout: hublifyCall.startToCloseTimeout });
  // Transient Hublify trouble is retried by Temporal with backoff for as long as configured. The
  // attempt heartbeats, so a cancel reaches it; the workflow then waits until the attempt has ended.
  const injection: ActivityOptions = {
    ...hublifyCall,
    heartbeatTimeout: '5s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    scheduleToCloseTimeout: settings.injectRetry.retryForMs,
    retry: {
      initialInterval: settings.injectRetry.initialIntervalMs,
      maximumInterval: settings.injectRetry.maximumIntervalMs,
      backoffCoefficient: 2,
    },
  };
  // Asking Hublify what it holds after an attempt was stopped: short, so a cancel never waits a day.
  const lookup: ActivityOptions = {
    ...hublifyCall,
    scheduleToCloseTimeout: Math.min(settings.injectRetry.retryForMs, 120_000),
    retry: { initialInterval: '1s', maximumInterval: '10s', backoffCoefficient: 2 },
  };
  const externalId = carried?.request.fields.order.o_orderid_external ?? order.order_number;

  const status: OrderStatus = carried?.status ?? {
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
    history: [{ stage: 'RECEIVED', at: new Date(workflowInfo().startTime).toISOString(), detail: `from ${input.source}` }],
  };

  // What will be sent to Hublify (amendments included) and what Hublify holds once it has the order.
  let request: HublifyOrderCreateRequest | undefined = carried?.request;
  let held: HublifyOrderCreateRequest | undefined = carried?.request;
  const sentVersions: HublifyOrderCreateRequest[] = [];
  let requestVersion = 0;
  let syncedVersion = 0;
  let failedVersion = 0;
  let lastSync: Pick<AmendResult, 'outcome' | 'updated' | 'refused' | 'messages'> | undefined;
  const amendedBeforeInjection = new Set<string>();

  let verdict: OrderVerdict | undefined = carried ? { workflowId, accepted: true, stage: status.stage, reasons: [] } : undefined;
  let verdictWaiters = 0;
  let rejectionShown = false;
  let pollRequested = false;
  let retryRequested = false;
  let retryNote: string | undefined;
  let cancelRequest: CancelRequest | undefined;
  let cancelOutcome: CancelResult | undefined;
  let mainScope: CancellationScope | undefined;
  let injectScope: CancellationScope | undefined;
  let injectionStarted = false;
  let restartInjection = false;
  // Durable steps that must not hold the order up, awaited before the run ends or continues as new.
  const sideSteps: Promise<unknown>[] = [];
  let tracking: Pick<CarriedState, 'trackingStartedAt' | 'pollIndex'> | undefined = carried
    ? { trackingStartedAt: carried.trackingStartedAt, pollIndex: carried.pollIndex }
    : undefined;

  // ---- messages -------------------------------------------------------------------------------
  setHandler(statusQuery, () => status);
  setHandler(requestQuery, () => held ?? request ?? null);
  setHandler(verdictUpdate, async (req) => {
    verdictWaiters += 1;
    try {
      const bound = req?.answerBy === undefined ? undefined : req.answerBy - Date.now() - VERDICT_MARGIN_MS;
      if (verdict === undefined) {
        if (bound === undefined) await condition(() => verdict !== undefined);
        else if (bound > 0) await condition(() => verdict !== undefined, bound);
      }
      if (verdict === undefined) return { workflowId, accepted: true, stage: status.stage, reasons: [], pending: true };
      if (!verdict.accepted) rejectionShown = true;
      return verdict;
    } finally {
      verdictWaiters -= 1;
    }
  });
  setHandler(pollNowSignal, () => void (pollRequested = true));
  setHandler(statusChangedSignal, () => void (pollRequested = true));
  setHandler(retrySignal, (arg) => {
    retryRequested = true;
    pollRequested = true;
    retryNote = arg?.note;
  });
  setHandler(cancelReasonSignal, (reason) => void (status.cancelReason = reason));
  setHandler(cancelUpdate, cancel, {
    validator: (req: CancelRequest) => {
      if (FINAL_STAGES.includes(status.stage)) throw new Error(`order is ${status.stage}: nothing to cancel`);
      if (typeof req?.reason !== 'string' || !req.reason.trim()) throw new Error('a reason is required');
      if (cancelRequest) throw new Error('a cancel is already under way');
      if (status.hublify && !req.stopTracking) {
        throw ApplicationFailure.create({
          type: CANCEL_REFUSED_IN_HUBLIFY,
          nonRetryable: true,
          message:
            `Hublify holds this order as ${status.hublify.orderId}, and its channel API cannot cancel orders: cancel it in Hublify, ` +
            `and order-relay follows Hublify's cancelled state by itself (or stop only the relay's tracking with --stop-tracking)`,
        });
      }
    },
  });
  setHandler(amendUpdate, amend, {
    validator: (req: AmendRequest) => {
      if (FINAL_STAGES.includes(status.stage)) throw new Error(`order is ${status.stage}: nothing to amend`);
      if (request === undefined) throw new Error('order is not mapped yet (fix the customer directory, then send `retry`)');
      validateAmendRequest(req);
    },
  });

  async function cancel(req: CancelRequest): Promise<CancelResult> {
    cancelRequest = req;
    cancelOutcome = undefined;
    mainScope?.cancel();
    await condition(() => cancelOutcome !== undefined);
    return cancelOutcome!;
  }

  async function amend(req: AmendRequest): Promise<AmendResult> {
    const fields = amendedFieldNames(req);
    const note = noteText(req.note);
    const inHublify = hublifyRef();
    if (inHublify) {
      const result = await updateInHublify(inHublify, req, fields, note);
      return { outcome: result.updated.length ? 'updated' : 'refused', pendingFields: [], hublifyOrderId: inHublify.orderId, ...result };
    }
    // Not in Hublify yet: the corrected request goes with the next attempt. An attempt in flight ends
    // first; if it created the order with the old values after all, order_update sends the corrections.
    request = withAmendment(request!, req);
    fields.forEach((field) => amendedBeforeInjection.add(field));
    const version = ++requestVersion;
    restartInjection = injectScope !== undefined;
    injectScope?.cancel();
    if (status.stage === 'NEEDS_ATTENTION') retryRequested = true;
    const received = (n: string) => `amendment of ${fields.join(', ')} received${n}; sent with the next injection attempt`;
    await enterStage(status.stage, received(note.detail), received(note.publicDetail));
    const settled = await condition(() => syncedVersion >= version || failedVersion >= version, settings.amendWaitMs ?? DEFAULT_AMEND_WAIT_MS);
    const ref = hublifyRef();
    if (syncedVersion >= version && lastSync && ref) return { ...lastSync, pendingFields: [], hublifyOrderId: ref.orderId };
    if (!settled) {
      return {
        outcome: 'pending',
        updated: [],
        refused: [],
        pendingFields: fields,
        hublifyOrderId: null,
        messages: [`Hublify has not taken the order yet (${status.lastError ?? 'injection under way'}); its next injection attempt sends ${fields.join(', ')}`],
      };
    }
    return { outcome: 'refused', updated: [], refused: fields, pendingFields: [], hublifyOrderId: null, messages: [status.lastError ?? 'injection failed'] };
  }

  /** order_update for an order Hublify holds; `held` keeps only what Hublify accepted. */
  async function updateInHublify(ref: HublifyRef, req: AmendRequest, fields: string[], note: SupportText) {
    const result = await remote.updateHublifyOrder.executeWithOptions(
      { ...hublifyCall, summary: `amend Hublify order ${ref.orderId} (order_update)` },
      [{ orderid: ref.orderId }, { order: { ...req.order, ...(req.orderitems ? { orderitems: req.orderitems } : {}) } }],
    );
    held = withAmendment(held ?? request!, req, result.updated);
    request = held;
    const refused = fields.filter((f) => !result.updated.includes(f));
    const amended = (n: string) => `amended in Hublify: updated ${result.updated.join(', ') || 'nothing'}; refused ${refused.join(', ') || 'nothing'}${n}`;
    await enterStage(status.stage, amended(note.detail), amended(note.publicDetail));
    return { updated: result.updated, refused, messages: result.messages };
  }

  // Read through a function: TypeScript cannot see that handlers change it across an await.
  function hublifyRef(): HublifyRef | null {
    return status.hublify;
  }

  // ---- stage bookkeeping (local activities: no server round trip) ------------------------------
  /**
   * `detail` goes into the encrypted status; `publicDetail` (default: `detail`) into the record store
   * and logs, so it never carries Hublify's texts, which may quote an address.
   */
  async function enterStage(stage: OrderStage, detail?: string, publicDetail: string | undefined = detail): Promise<void> {
    const at = new Date().toISOString();
    const record = stageRecord(stage, at, publicDetail);
    noteStage(stage, at, detail);
    await local.recordStage(record);
  }

  /**
   * Support's free text for the encrypted status (`detail`) and, in runs from this version on, only a
   * mention of it for the record store and logs (`publicDetail`): a note may name a person or a phone number.
   */
  function supportText(detail: string, mention: string): SupportText {
    return { detail, publicDetail: patched(SUPPORT_TEXT_OUT_OF_STORE) ? mention : detail };
  }

  /** A support note (retry, amend) as a stage detail's ending. */
  function noteText(note: string | undefined): SupportText {
    return note ? supportText(` (note: ${note})`, ' (with a note)') : { detail: '', publicDetail: '' };
  }

  /** The stage change as the record store keeps it (built before the change: it names the stage left). */
  function stageRecord(stage: OrderStage, at: string, publicDetail: string | undefined): StageChangeInput {
    return {
      workflowId,
      apicbaseId: status.apicbaseId,
      orderNumber: status.orderNumber,
      customerNumber: status.customerNumber,
      stage,
      at,
      detail: publicDetail ?? null,
      hublifyOrderId: status.hublify?.orderId ?? null,
      hublifyState: status.hublify?.state ?? null,
      previousStage: status.stage,
      receivedAt: status.history[0]?.at ?? null,
      source: status.source,
    };
  }

  /** The stage change in the workflow's own state: the status, its history, the search attribute, the UI's details. */
  function noteStage(stage: OrderStage, at: string, detail?: string): void {
    const previousStage = status.stage;
    status.stage = stage;
    status.history.push({ stage, at, ...(detail ? { detail } : {}) });
    if (stage !== previousStage) upsertSearchAttributes([{ key: OrderStageKey, value: stage }]);
    setCurrentDetails(currentDetails());
  }

  function currentDetails(): string {
    const h = status.hublify;
    const hub = h ? `Hublify ${h.orderId}: ${h.state}` : 'not in Hublify yet';
    const ships = status.shipments.length ? ` · ${status.shipments.length} shipment(s)` : '';
    const err = status.lastError && status.stage === 'NEEDS_ATTENTION' ? ` · ${status.lastError}` : '';
    // Support reads why an order was cancelled, and that Hublify may still ship it, at the top of its page.
    const live = status.hublifyStillLive ? ' · relay stopped tracking: the Hublify order is STILL LIVE' : '';
    const why = status.stage === 'CANCELLED' && status.cancelReason ? ` · reason: ${status.cancelReason}` : '';
    return `**${status.stage}**${status.overdue ? ' (overdue)' : ''} · ${hub}${ships}${err}${live}${why}`;
  }

  /** Tells support once per stage (NOTIFY_WEBHOOK_URL), as a durable step that never holds the order up. */
  function notifySupport(stage: OrderStage, type: string | null, rejectedAfterAck = false): void {
    if (!settings.notifySupport || status.notified?.includes(stage)) return;
    status.notified = [...(status.notified ?? []), stage];
    const options: ActivityOptions = { startToCloseTimeout: '1m', retry: { initialInterval: '5s', maximumInterval: '5m', maximumAttempts: 10 } };
    const notice = { workflowId, orderNumber: status.orderNumber, customerNumber: status.customerNumber, stage, failureType: type, rejectedAfterAck };
    sideSteps.push(
      proxyActivities<NoticeActivities>(options)
        .notifySupport.executeWithOptions({ ...options, summary: `notify support: ${status.orderNumber} ${stage}` }, [notice])
        .catch((err: unknown) => log.warn('could not notify support', { stage, error: describeFailure(err) })),
    );
  }

  /** NEEDS_ATTENTION until support sends `retry` (or, for a rejection, the customer is shown it). */
  async function waitForSupport(reason: string, publicReason: string, type: string | null, orUntilRejectionShown = false): Promise<void> {
    status.lastError = reason;
    await enterStage('NEEDS_ATTENTION', reason, publicReason);
    notifySupport('NEEDS_ATTENTION', type);
    retryRequested = false;
    await condition(() => retryRequested || (orUntilRejectionShown && rejectionShown));
    if (retryRequested) {
      const note = noteText(retryNote);
      await enterStage(status.stage, `retry requested${note.detail}`, `retry requested${note.publicDetail}`);
    }
    retryRequested = false;
    retryNote = undefined;
  }

  // ---- steps ------------------------------------------------------------------------------------
  /**
   * Verify and map (one local activity). Returns false when the order ends REJECTED: only when the
   * customer was shown the rejection (the webhook's 422). Rejected after a 2xx, or pulled, it waits
   * for support in NEEDS_ATTENTION.
   */
  async function check(): Promise<boolean> {
    for (;;) {
      const options: LocalActivityOptions = { startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '1m' }, summary: `verify and map order ${order.order_number}` };
      // Since this patch the check records VERIFIED itself: the verdict is answered after one local
      // activity instead of two (the first workflow task is the webhook's `verified` latency).
      const checkRecords = patched(VERIFIED_RECORDED_BY_CHECK);
      const at = new Date().toISOString();
      const result = checkRecords
        ? await local.checkOrderRecordingVerified.executeWithOptions(options, [order, stageRecord('VERIFIED', at, undefined)])
        : await local.checkOrder.executeWithOptions(options, [order]);
      if (result.ok) {
        request = result.request;
        status.rejectionReasons = [];
        verdict = { workflowId, accepted: true, stage: 'VERIFIED', reasons: [] };
        if (checkRecords) noteStage('VERIFIED', at);
        else await enterStage('VERIFIED');
        return true;
      }
      status.rejectionReasons = result.reasons;
      verdict = { workflowId, accepted: false, stage: 'REJECTED', reasons: result.reasons };
      // A caller waiting for the verdict (the webhook in `verified` mode) takes it now.
      await condition(() => verdictWaiters === 0);
      if (rejectionShown && input.source === 'webhook') {
        await enterStage('REJECTED', result.reasons.join('; '), `order rejected (OrderRejected): ${result.reasons.length} reason(s)`);
        return false;
      }
      const fromWebhook = input.source === 'webhook';
      const after = fromWebhook ? 'after its 2xx answer (the customer was not shown it)' : '(a pulled order cannot be refused)';
      await tellCustomer(result.reasons);
      notifySupport('NEEDS_ATTENTION', 'OrderRejected', fromWebhook);
      await waitForSupport(
        `order rejected ${after}: ${result.reasons.join('; ')}`,
        `order rejected ${after} (OrderRejected): ${result.reasons.length} reason(s)`,
        'OrderRejected',
        fromWebhook,
      );
      if (rejectionShown && input.source === 'webhook') {
        // A redelivery of the webhook was answered 422: the customer sees the rejection now.
        await enterStage('REJECTED', `rejection shown to the customer on redelivery: ${result.reasons.join('; ')}`, 'order rejected (OrderRejected) on redelivery');
        return false;
      }
    }
  }

  /** Apicbase's guide: a pulled order rejected afterwards is communicated directly to the customer. */
  async function tellCustomer(reasons: string[]): Promise<void> {
    if (input.source === 'webhook' || !settings.emailCustomer || status.customerTold) return;
    status.customerTold = true;
    const options: ActivityOptions = { startToCloseTimeout: '1m', retry: { initialInterval: '10s', maximumInterval: '10m', maximumAttempts: 20 } };
    const notice = { workflowId, apicbaseId: status.apicbaseId, orderNumber: status.orderNumber, customerNumber: status.customerNumber, reasons };
    sideSteps.push(
      proxyActivities<NoticeActivities>(options)
        .emailCustomer.executeWithOptions({ ...options, summary: `e-mail the customer: ${status.orderNumber} cannot be fulfilled` }, [notice])
        .catch((err: unknown) => log.warn('could not e-mail the customer', { error: describeFailure(err) })),
    );
    await Promise.resolve();
  }

  /** order_create until Hublify has the order; then any corrections it did not get go by order_update. */
  async function inject(): Promise<void> {
    while (hublifyRef() === null) {
      const sent = request!;
      const version = requestVersion;
      injectionStarted = true;
      const scope = new CancellationScope();
      injectScope = scope;
      try {
        const result = await scope.run(() =>
          remote.injectOrder.executeWithOptions({ ...injection, summary: `inject order ${order.order_number} into Hublify (order_create)` }, [sent, sentVersions]),
        );
        sentVersions.push(sent);
        status.attempts.inject += result.attempts;
        await adopt(
          { orderId: result.orderId, personId: result.personId, state: result.state, stateName: result.stateName },
          result.duplicate ? `already in Hublify as ${result.orderId} (its person and items match)` : `Hublify order ${result.orderId}`,
          result.duplicate ? undefined : { from: sent, current: version === requestVersion },
        );
      } catch (err) {
        if (isCancellation(err) && restartInjection && !mainScope?.consideredCancelled) {
          // An amendment stopped the attempt: it may have reached Hublify before it ended.
          restartInjection = false;
          sentVersions.push(sent);
          await adoptIfHublifyHasIt('the stopped attempt had created it');
          continue;
        }
        // Only the activity's own failure means "Hublify said no / was away"; anything else is a bug.
        if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
        status.attempts.inject += 1;
        failedVersion = version;
        const type = failureType(err) ?? 'HublifyUnavailable';
        await waitForSupport(injectFailureText(err, settings.injectRetry.retryForMs), `${injectFailureTitle(type, settings.injectRetry.retryForMs)} (${type}) · order ${order.order_number}`, type);
      } finally {
        injectScope = undefined;
      }
    }
    await sendCorrections();
  }

  /**
   * Hublify has the order now. `created` names the request that created it, when known (not a duplicate
   * or a lookup), and whether it carried every amendment; otherwise the corrections follow by order_update.
   */
  async function adopt(ref: HublifyRef, detail: string, created?: { from: HublifyOrderCreateRequest; current: boolean }): Promise<void> {
    status.hublify = ref;
    status.lastError = null;
    held = created?.from ?? sentVersions[0] ?? request;
    if (created?.current) {
      lastSync = { outcome: 'reinjected', updated: [...amendedBeforeInjection], refused: [], messages: [`injected as ${ref.orderId}`] };
      syncedVersion = requestVersion;
      amendedBeforeInjection.clear();
    }
    upsertSearchAttributes([{ key: HublifyOrderId, value: ref.orderId }]);
    await enterStage('INJECTED', detail);
  }

  /** Asks Hublify by our o_orderid_external; adopts the order when it is there. */
  async function adoptIfHublifyHasIt(why: string): Promise<boolean> {
    const found = await lookUpInHublify();
    if (!found) return false;
    await adopt({ orderId: found.orderid, personId: found.personid ?? null, state: found.order_state_code, stateName: found.order_state_name ?? null }, `found in Hublify as ${found.orderid}: ${why}`);
    return true;
  }

  /** Hublify's order under our o_orderid_external, when it is this order (any version sent). */
  async function lookUpInHublify(): Promise<HublifyOrderData | null> {
    return remote.findInjectedOrder.executeWithOptions(
      { ...lookup, summary: `look up order ${externalId} in Hublify (order_get)` },
      [request!, sentVersions],
    );
  }

  /** Corrections made while the order was on its way in, which Hublify did not get with order_create. */
  async function sendCorrections(): Promise<void> {
    if (amendedBeforeInjection.size === 0) return;
    const version = requestVersion;
    const fields = [...amendedBeforeInjection];
    amendedBeforeInjection.clear();
    try {
      const result = await updateInHublify(status.hublify!, { order: fieldValues(request!, fields.filter((f) => f !== 'orderitems')) as Record<string, string | null>, ...(fields.includes('orderitems') ? { orderitems: request!.fields.order.orderitems } : {}) }, fields, { detail: ' (corrections made during the injection)', publicDetail: ' (corrections made during the injection)' });
      lastSync = { outcome: result.updated.length ? 'updated' : 'refused', ...result };
    } catch (err) {
      if (isCancellation(err)) throw err;
      lastSync = { outcome: 'refused', updated: [], refused: fields, messages: [`order_update failed: ${describeFailure(err)}`] };
      status.lastError = `the corrections (${fields.join(', ')}) did not reach Hublify: ${describeFailure(err)}`;
      await enterStage('NEEDS_ATTENTION', status.lastError, `corrections did not reach Hublify (${failureType(err) ?? 'error'}) · order ${order.order_number}`);
      notifySupport('NEEDS_ATTENTION', failureType(err) ?? null);
    }
    syncedVersion = version;
  }

  /** Tells the customer in Apicbase the supplier saw the order (APICBASE_MARK_VIEWED), as a durable side step. */
  function markViewedInApicbase(taskQueue: string): void {
    const options: ActivityOptions = { taskQueue, startToCloseTimeout: '2m', retry: { initialInterval: '5s', maximumInterval: '5m', maximumAttempts: 10 } };
    sideSteps.push(
      proxyActivities<ApicbaseActivities>(options)
        .markApicbaseOrder.executeWithOptions({ ...options, summary: `mark ${order.order_number} viewed_by_supplier in Apicbase` }, [order.id, 'viewed'])
        .catch((err: unknown) => log.warn('could not mark the order viewed in Apicbase', { error: describeFailure(err) })),
    );
  }

  /** Polls order_get once, by both ids; true when the order reached a final state. */
  async function pollOnce(): Promise<boolean> {
    const ref = status.hublify!;
    status.attempts.polls += 1;
    let data: HublifyOrderData | null;
    try {
      data = await remote.findHublifyOrder.executeWithOptions(
        { ...hublifyCall, summary: `poll Hublify order ${ref.orderId} (order_get)` },
        [{ orderid: ref.orderId, o_orderid_external: externalId }],
      );
    } catch (err) {
      if (isCancellation(err)) throw err;
      status.lastError = `order_get failed: ${describeFailure(err)}`;
      setCurrentDetails(currentDetails());
      return false;
    }
    // Never trust an id alone: an answer for another order, or none, is trouble for support, not a state.
    if (!data || data.orderid !== ref.orderId || (data.o_orderid_external != null && data.o_orderid_external !== externalId)) {
      const text = data
        ? `Hublify answered order_get for ${ref.orderId} with another order (${data.orderid} / ${data.o_orderid_external ?? '?'}); still tracking`
        : `Hublify does not know order ${ref.orderId} (${externalId}) any more (Order not found); still tracking`;
      if (status.stage !== 'NEEDS_ATTENTION') {
        status.lastError = text;
        await enterStage('NEEDS_ATTENTION', text, `Hublify order not found or mismatched (OrderNotFoundInHublify) · order ${order.order_number}`);
        notifySupport('NEEDS_ATTENTION', 'OrderNotFoundInHublify');
      }
      return false;
    }
    status.lastError = null;
    if (status.stage === 'NEEDS_ATTENTION') await enterStage(status.overdue ? 'OVERDUE' : 'WAITING_FOR_SHIPMENT', `Hublify answers for ${ref.orderId} again`);
    const fresh = newShipments(data, status.shipments);
    if (fresh.length) {
      await local.recordShipments(workflowId, fresh);
      status.shipments.push(...fresh);
    }
    const state = data.order_state_code;
    const changed = state !== ref.state;
    ref.state = state;
    ref.stateName = data.order_state_name ?? ref.stateName;
    if (settings.finalStates.includes(state)) {
      await enterStage('SHIPPED', `Hublify state ${state}; ${status.shipments.length} shipment(s)`);
      return true;
    }
    if (settings.cancelledStates.includes(state)) {
      await enterStage('CANCELLED', `cancelled in Hublify (state ${state})`);
      return true;
    }
    if (changed) {
      const known = KNOWN_STATES.includes(state);
      if (!known && !status.unknownStates.includes(state)) status.unknownStates.push(state);
      await enterStage(status.stage, `Hublify state ${state}${known ? '' : ' (unknown state code; still tracking)'}`);
    } else if (fresh.length) {
      await enterStage(status.stage, `${fresh.length} new shipment(s)`);
    }
    return false;
  }

  async function track(): Promise<void> {
    if (!tracking) {
      tracking = { trackingStartedAt: new Date().toISOString(), pollIndex: 0 };
      await enterStage('WAITING_FOR_SHIPMENT', `Hublify state ${status.hublify!.state}`);
      if (settings.apicbaseViewed) markViewedInApicbase(settings.apicbaseViewed.taskQueue);
    }
    const { trackingStartedAt } = tracking;
    // An adopted order that already shipped or was cancelled ends at once.
    const adoptedState = status.hublify!.state;
    if (settings.finalStates.includes(adoptedState) || settings.cancelledStates.includes(adoptedState)) pollRequested = true;
    const hardLimitAt = Date.parse(trackingStartedAt) + settings.hardLimitMs;
    // Read like verify and map read it (an offset-less time is UTC), never in the worker's own zone.
    const expected = order.expected_delivery_date ? parseIsoDateTime(order.expected_delivery_date, { allowDateOnly: true }) : undefined;
    const overdueAt = expected ? epochMsOf(expected) + settings.overdueGraceMs : undefined;

    const flagIfOverdue = async () => {
      if (overdueAt === undefined || status.overdue || Date.now() < overdueAt) return;
      status.overdue = true;
      await enterStage('OVERDUE', `expected delivery ${order.expected_delivery_date} passed (plus grace); still tracking`);
      notifySupport('OVERDUE', null);
    };

    for (let pollsThisRun = 0; ; pollsThisRun++) {
      if (pollsThisRun >= settings.pollsPerRun || workflowInfo().continueAsNewSuggested) {
        // Keep the history bounded: start a fresh run carrying everything the status shows.
        await Promise.all(sideSteps);
        await condition(allHandlersFinished);
        const next: CarriedState = { status, request: held ?? request!, trackingStartedAt, pollIndex: tracking.pollIndex };
        return continueAsNew<typeof orderWorkflow>({ ...input, carried: next });
      }
      await flagIfOverdue();
      const now = Date.now();
      let wait = Math.min(pollDelayMs(settings.pollSchedule, tracking.pollIndex), Math.max(hardLimitAt - now, 0));
      if (overdueAt !== undefined && !status.overdue && overdueAt > now) wait = Math.min(wait, overdueAt - now);
      if (!pollRequested) await condition(() => pollRequested, wait);
      pollRequested = false;

      await flagIfOverdue();
      tracking.pollIndex += 1;
      if (await pollOnce()) return;
      if (Date.now() >= hardLimitAt) {
        await enterStage('TIMED_OUT', `not shipped within ${Math.round(settings.hardLimitMs / 1000)}s of injection`);
        notifySupport('TIMED_OUT', null);
        return;
      }
    }
  }

  /** The steps, resumable: each skips what an earlier pass (before a cancel that was refused) did. */
  async function steps(): Promise<'done' | 'rejected'> {
    if (request === undefined && !(await check())) return 'rejected';
    await inject();
    await track();
    return 'done';
  }

  /**
   * After a cancel (support's `cancel` update, or Temporal's own): an injection attempt has ended by now;
   * ask Hublify whether it got the order, so no Hublify order exists that the relay does not know of.
   * Returns 'go-on' when Hublify turned out to hold the order and the cancel did not ask to stop tracking.
   */
  async function settleCancel(): Promise<'go-on' | 'ended'> {
    const req = cancelRequest ?? { reason: status.cancelReason ?? 'cancelled in Temporal (no reason given)', stopTracking: true };
    if (status.hublify === null && injectionStarted) {
      try {
        await adoptIfHublifyHasIt('an injection attempt reached Hublify before the cancel');
      } catch (err) {
        status.lastError = `could not ask Hublify whether it has order ${externalId}: ${describeFailure(err)}`;
      }
    }
    const ref = hublifyRef();
    if (ref && !req.stopTracking) {
      cancelOutcome = {
        outcome: 'in-hublify',
        hublifyOrderId: ref.orderId,
        message: `Hublify had the order after all (${ref.orderId}): nothing was cancelled and order-relay goes on tracking it; cancel it in Hublify`,
      };
      cancelRequest = undefined;
      return 'go-on';
    }
    status.cancelReason = req.reason;
    if (ref) {
      status.hublifyStillLive = true;
      const reason = supportText(` (${req.reason})`, ' (reason in the order\'s status)');
      const stopped = (r: string) => `relay stopped tracking${r}; the Hublify order ${ref.orderId} is STILL LIVE: cancel it in Hublify`;
      await enterStage('CANCELLED', stopped(reason.detail), stopped(reason.publicDetail));
      cancelOutcome = { outcome: 'stopped-tracking', hublifyOrderId: ref.orderId, message: `order-relay stopped tracking; the Hublify order ${ref.orderId} is still live: cancel it in Hublify` };
    } else {
      const unsure = status.lastError?.startsWith('could not ask Hublify') ? `; ${status.lastError}: check Hublify for ${externalId}` : '';
      await enterStage('CANCELLED', `${req.reason}${unsure}`, `cancelled by support${unsure ? ' (Hublify could not be asked)' : ''}`);
      cancelOutcome = { outcome: 'cancelled', hublifyOrderId: null, message: `cancelled; Hublify never had the order${unsure}` };
    }
    return 'ended';
  }

  // ---- the run ----------------------------------------------------------------------------------
  setCurrentDetails(currentDetails());
  let outcome: 'done' | 'rejected' | 'cancelled' = 'done';
  for (;;) {
    const scope = new CancellationScope();
    mainScope = scope;
    try {
      outcome = await scope.run(steps);
      break;
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // A cancel ends as a completed run with stage CANCELLED, so a re-sent webhook does not revive it.
      if ((await CancellationScope.nonCancellable(settleCancel)) === 'ended') {
        outcome = 'cancelled';
        break;
      }
    }
  }
  await CancellationScope.nonCancellable(async () => {
    await Promise.all(sideSteps);
    await condition(allHandlersFinished);
  });
  if (outcome === 'rejected') {
    // Failed, so the customer may place the order again (the id may be reused after a failure).
    throw ApplicationFailure.nonRetryable(`order ${order.order_number} rejected: ${status.rejectionReasons.join('; ')}`, 'OrderRejected', status.rejectionReasons);
  }
  return status;
}

function injectFailureTitle(type: string, retryForMs: number): string {
  switch (type) {
    case 'HublifyRejected':
      return 'Hublify rejected the order';
    case 'HublifyAuthRefused':
      return 'Hublify refused the channel token';
    case 'HublifyOrderNumberTaken':
      return 'another order holds this number in Hublify';
    default:
      return `Hublify could not be reached for ${Math.round(retryForMs / 1000)}s`;
  }
}

function injectFailureText(err: unknown, retryForMs: number): string {
  return `${injectFailureTitle(failureType(err) ?? '', retryForMs)}: ${describeFailure(err)}`;
}
