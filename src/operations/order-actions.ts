// What support does to an order: cancel (with a reason), retry, poll, amend, and replay a saved
// Apicbase payload. The messages are the workflow's own (workflows/order-messages.ts).
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { apicbaseOrderSchema, describeIssues, orderWorkflowId } from '../apicbase/order';
import { workflowUiLink } from '../ingress/web-ui-link';
import { startOrder } from '../orders/start-order';
import { validateAmendRequest } from '../../workflows/amend-validation';
import {
  amendUpdate,
  cancelReasonSignal,
  cancelUpdate,
  pollNowSignal,
  retrySignal,
  statusQuery,
} from '../../workflows/order-messages';
import {
  CANCEL_REFUSED_IN_HUBLIFY,
  type AmendRequest,
  type AmendResult,
  type CancelRequest,
  type CancelResult,
  type OrderStatus,
} from '../../workflows/order-status';
import { starterFrom, type OperationsContext } from './context';
import { OperationError, toOperationError } from './errors';
import { queryStatus, requireRunning, resolveOrder, withRetriedInjection, type ResolvedOrder } from './orders';
import { OrderStage } from '../../workflows/search-attributes';

/**
 * The order's status (a completed run's from its result), or undefined when it cannot be read within 10 s.
 * `execution`: the run's execution status, when it is newer than the one `order` was resolved with.
 */
const statusOf = (ctx: OperationsContext, order: ResolvedOrder, execution: string = order.description.status.name) =>
  queryStatus(ctx, order.handle, execution).catch(() => undefined);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function orderNumberOf(ctx: OperationsContext, order: ResolvedOrder): Promise<string | null> {
  try {
    return (await ctx.client.withDeadline(Date.now() + 5_000, () => order.handle.query(statusQuery))).orderNumber;
  } catch {
    return null;
  }
}

export interface CancelOutcome {
  workflowId: string;
  orderNumber: string | null;
  reason: string;
  /**
   * `cancelled`: Hublify never had the order; the workflow ended CANCELLED.
   * `stopped-tracking`: the relay stopped (`--stop-tracking`); the Hublify order is still live.
   * `in-hublify`: an injection in flight created the order after all; nothing was cancelled, the relay
   * goes on tracking it: cancel it in Hublify.
   * `unknown-in-hublify`: Hublify could not be asked whether it holds the order: nothing was cancelled, the
   * order waits for support (cancel again once Hublify answers, or stop the relay with `--stop-tracking`).
   * `stopped-unasked`: the relay stopped (`--stop-tracking`); whether Hublify holds the order is not known.
   */
  outcome: CancelResult['outcome'];
  hublifyOrderId: string | null;
  /** True when Hublify still holds a live order the relay no longer tracks. */
  hublifyStillLive: boolean;
  message: string;
  /** What support does next, when anything: the CLI prints it, the admin API answers it. */
  advice: string | null;
  /** True once the workflow closed; false when it has not (yet) within the wait. */
  closed: boolean;
  stage: string | null;
  execution: string;
}

/** What support is told when Hublify holds the order: the channel API has no cancel verb. */
export const CANCEL_IN_HUBLIFY_ADVICE = "cancel it in Hublify; the relay follows Hublify's cancelled state";

/** What support is told when Hublify could not be asked whether it holds the order: nothing was cancelled. */
export const CANCEL_UNKNOWN_IN_HUBLIFY_ADVICE =
  'cancel again once Hublify answers (the relay asks it then), or add --stop-tracking to stop the relay anyway and check Hublify yourself';

/** What support is told after `--stop-tracking` when Hublify could not be asked whether it holds the order. */
export const STOPPED_UNASKED_ADVICE =
  'check Hublify for the order and cancel it there if it is there; the relay no longer follows it';

/** Outcomes where nothing was cancelled: the run goes on, so the cancel does not wait for it to close. */
export const NOTHING_CANCELLED: ReadonlySet<CancelResult['outcome']> = new Set(['in-hublify', 'unknown-in-hublify']);

/**
 * What support is told after `--stop-tracking`: the run has ended, so the relay does not follow the order
 * any more (a later push for it is answered 404) — never "the relay follows" (issue 22 item 8).
 */
export const STOPPED_TRACKING_ADVICE =
  'cancel it in Hublify yourself; the relay no longer follows this order (its later changes in Hublify are not seen)';

function refusedInHublify(order: ResolvedOrder, hublifyOrderId: string | null | undefined): OperationError {
  return new OperationError(
    'conflict',
    `order ${order.workflowId} is in Hublify${hublifyOrderId ? ` as ${hublifyOrderId}` : ''}: ${CANCEL_IN_HUBLIFY_ADVICE}. ` +
      'To stop only the relay\'s tracking (the Hublify order stays live), add --stop-tracking (admin API: {"stopTracking": true}).',
  );
}

/** True when the failure chain says the run has no handler for this update (it started before the update existed). */
function noHandlerFor(err: unknown, update: string): boolean {
  for (let cur: unknown = err, depth = 0; cur instanceof Error && depth < 8; cur = cur.cause, depth++) {
    if (cur.message.includes(`No registered handler for update: ${update}`)) return true;
  }
  return false;
}

/** True when the update's validator refused because Hublify holds the order. */
function refusedBecauseInHublify(err: unknown): boolean {
  for (let cur: unknown = err, depth = 0; cur instanceof Error && depth < 8; cur = cur.cause, depth++) {
    if (cur instanceof ApplicationFailure && cur.type === CANCEL_REFUSED_IN_HUBLIFY) return true;
  }
  return false;
}

/**
 * Runs before the `cancel` update existed: the reason (signal `cancelReason`), then Temporal's own cancel
 * with the reason as its cause. Only when Hublify does not hold the order, or support stops tracking it.
 */
async function cancelOlderRun(
  ctx: OperationsContext,
  order: ResolvedOrder,
  reason: string,
  stopTracking: boolean,
): Promise<Pick<CancelOutcome, 'outcome' | 'hublifyOrderId' | 'message'>> {
  const status = await ctx.client.withDeadline(Date.now() + 10_000, () => order.handle.query(statusQuery));
  const hublifyOrderId = status.hublify?.orderId ?? null;
  if (hublifyOrderId && !stopTracking) throw refusedInHublify(order, hublifyOrderId);
  await order.handle.signal(cancelReasonSignal, reason);
  await ctx.client.workflowService.requestCancelWorkflowExecution({
    namespace: ctx.namespace,
    workflowExecution: { workflowId: order.workflowId },
    identity: ctx.client.options.identity,
    requestId: randomUUID(),
    reason,
  });
  return hublifyOrderId
    ? {
        outcome: 'stopped-tracking',
        hublifyOrderId,
        message: `the relay stopped tracking; Hublify order ${hublifyOrderId} is still live: ${STOPPED_TRACKING_ADVICE}`,
      }
    : { outcome: 'cancelled', hublifyOrderId: null, message: 'cancelled before it reached Hublify' };
}

/**
 * Support's cancel: the order's `cancel` update, which refuses when Hublify holds the order (it has no
 * cancel verb) unless `stopTracking`. Waits for the workflow to close. A run started before the update
 * existed is cancelled the old way, with the same refusal.
 */
export async function cancelOrder(
  ctx: OperationsContext,
  ref: string,
  reason: string,
  opts: { stopTracking?: boolean; waitMs?: number } = {},
): Promise<CancelOutcome> {
  const why = reason.trim();
  if (!why) throw new OperationError('usage', 'a reason is required (it is recorded with the cancellation)');
  if (why.length > 1000) throw new OperationError('usage', 'the reason is longer than 1000 characters');
  const stopTracking = opts.stopTracking === true;
  const order = await resolveOrder(ctx, ref);
  requireRunning(order, 'cancel');
  let result: Pick<CancelOutcome, 'outcome' | 'hublifyOrderId' | 'message'>;
  try {
    const request: CancelRequest = { reason: why, ...(stopTracking ? { stopTracking } : {}) };
    result = await order.handle.executeUpdate(cancelUpdate, { args: [request] });
  } catch (err) {
    if (refusedBecauseInHublify(err)) {
      const status = await statusOf(ctx, order);
      throw refusedInHublify(order, status?.hublify?.orderId);
    }
    if (!noHandlerFor(err, cancelUpdate.name)) {
      if (err instanceof WorkflowUpdateFailedError)
        throw new OperationError('refused', `the order refused the cancellation: ${innermostMessage(err)}`);
      throw toOperationError(err);
    }
    try {
      result = await cancelOlderRun(ctx, order, why, stopTracking);
    } catch (olderErr) {
      throw toOperationError(olderErr);
    }
  }
  try {
    let execution = 'RUNNING';
    if (!NOTHING_CANCELLED.has(result.outcome)) {
      for (const deadline = Date.now() + (opts.waitMs ?? 15_000); Date.now() < deadline; await sleep(200)) {
        execution = (await order.handle.describe()).status.name;
        if (execution !== 'RUNNING') break;
      }
    }
    const status = await statusOf(ctx, order, execution);
    return {
      workflowId: order.workflowId,
      orderNumber: status?.orderNumber ?? null,
      reason: why,
      ...result,
      hublifyStillLive: result.outcome === 'stopped-tracking' || status?.hublifyStillLive === true,
      advice: cancelAdvice(result.outcome),
      closed: execution !== 'RUNNING',
      stage: status?.stage ?? null,
      execution,
    };
  } catch (err) {
    throw toOperationError(err);
  }
}

const ADVICE: Partial<Record<CancelResult['outcome'], string>> = {
  'in-hublify': CANCEL_IN_HUBLIFY_ADVICE,
  'unknown-in-hublify': CANCEL_UNKNOWN_IN_HUBLIFY_ADVICE,
  'stopped-tracking': STOPPED_TRACKING_ADVICE,
  'stopped-unasked': STOPPED_UNASKED_ADVICE,
};

function cancelAdvice(outcome: CancelResult['outcome']): string | null {
  return ADVICE[outcome] ?? null;
}

export interface SignalResult {
  workflowId: string;
  orderNumber: string | null;
  /** null: nothing was sent (`poll` of an order that already shipped). */
  signalled: 'retry' | 'pollNow' | null;
  /** The stage when the signal was sent. */
  stage: string | null;
  note?: string;
}

/** Signal `retry`: the stuck step runs again (support fixed something outside). */
export async function retryOrder(
  ctx: OperationsContext,
  ref: string,
  note?: string,
  resolved?: ResolvedOrder,
): Promise<SignalResult> {
  return signalOrClosed(ctx, ref, resolved, async (order) => {
    requireRunning(order, 'retry');
    const queried = await statusOf(ctx, order);
    const status = queried && (await withRetriedInjection(ctx, queried, () => order.handle.describe()));
    await order.handle.signal(retrySignal, note?.trim() ? { note: note.trim() } : {});
    return {
      workflowId: order.workflowId,
      orderNumber: status?.orderNumber ?? null,
      signalled: 'retry',
      stage: status?.stage ?? null,
      ...(status && status.stage !== 'NEEDS_ATTENTION' ? { note: retryNote(status) } : {}),
    };
  });
}

/**
 * What `retry` does to an order not waiting for support (issue 22 item 8): once Hublify holds the order,
 * it polls Hublify now; before, the injection goes on as it was (Temporal retries order_create by itself,
 * and the retry neither hurries nor repeats it).
 */
function retryNote(status: OrderStatus): string {
  if (status.hublify) return `the order is ${status.stage}, not waiting for support: retry only polls Hublify now`;
  const trying = status.lastError ? ` (${status.lastError})` : '';
  return (
    `the order is ${status.stage}, not waiting for support, and Hublify does not have it yet: order-relay is still ` +
    `trying to inject it by itself${trying}; retry changes nothing now (it re-runs a step only in NEEDS_ATTENTION)`
  );
}

/** Signal `pollNow`: ask Hublify about the order now instead of at the next scheduled poll. */
export async function pollOrder(ctx: OperationsContext, ref: string, resolved?: ResolvedOrder): Promise<SignalResult> {
  return signalOrClosed(ctx, ref, resolved, async (order) => {
    const closedStage = order.description.typedSearchAttributes.get(OrderStage);
    if (order.description.status.name !== 'RUNNING' && closedStage === 'SHIPPED') {
      // Nothing to ask Hublify: the order is done. Said plainly, and not an error.
      const status = await statusOf(ctx, order);
      return {
        workflowId: order.workflowId,
        orderNumber: status?.orderNumber ?? null,
        signalled: null,
        stage: 'SHIPPED',
        note: 'already shipped: nothing to poll (see `orders show` for the tracking codes)',
      };
    }
    requireRunning(order, 'poll');
    const status = await statusOf(ctx, order);
    await order.handle.signal(pollNowSignal);
    return {
      workflowId: order.workflowId,
      orderNumber: status?.orderNumber ?? null,
      signalled: 'pollNow',
      stage: status?.stage ?? null,
    };
  });
}

/**
 * Sends a signal to the order as it was looked up (`resolved`, else now). An order that closed between
 * the look-up and the signal (it shipped meanwhile) is answered as a closed one, not "not found".
 */
async function signalOrClosed(
  ctx: OperationsContext,
  ref: string,
  resolved: ResolvedOrder | undefined,
  send: (order: ResolvedOrder) => Promise<SignalResult>,
): Promise<SignalResult> {
  const order = resolved ?? (await resolveOrder(ctx, ref));
  try {
    return await send(order);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError) || order.description.status.name !== 'RUNNING')
      throw toOperationError(err);
    const now = await resolveOrder(ctx, ref);
    if (now.description.status.name === 'RUNNING') throw toOperationError(err);
    try {
      return await send(now);
    } catch (again) {
      throw toOperationError(again);
    }
  }
}

/** The workflow's AmendResult, with the order's ids; `pending` is `outcome === 'pending'` (the admin API answers 202). */
export type AmendOutcome = { workflowId: string; orderNumber: string | null; pending: boolean } & AmendResult;

/** The innermost message of a failure chain: the workflow's or Hublify's own words. */
function innermostMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  for (
    let cur: unknown = err instanceof Error ? err.cause : undefined, depth = 0;
    cur instanceof Error && depth < 8;
    cur = cur.cause, depth++
  ) {
    if (cur.message) message = cur.message;
  }
  return message;
}

/**
 * The `amend` update: corrected order fields and/or a new item list. Checked here first (the same
 * rules the workflow's validator applies), then sent; waits up to `waitMs` for Hublify's answer.
 */
/** The workflow validator's rules, applied before anything is sent: a usage error, not a refusal by the order or Hublify. */
export function checkAmendRequest(request: AmendRequest): void {
  try {
    validateAmendRequest(request);
  } catch (err) {
    const problems = (err as Error).message.replace(/^amend rejected: /, '').split('; ');
    throw new OperationError('usage', 'invalid amendment (nothing was sent)', problems);
  }
}

export async function amendOrder(
  ctx: OperationsContext,
  ref: string,
  request: AmendRequest,
  waitMs = 60_000,
): Promise<AmendOutcome> {
  checkAmendRequest(request);
  const order = await resolveOrder(ctx, ref);
  requireRunning(order, 'amend');
  const orderNumber = await orderNumberOf(ctx, order);
  let update;
  try {
    update = await order.handle.startUpdate(amendUpdate, {
      args: [request],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
  } catch (err) {
    // The workflow's validator said no (e.g. not mapped yet, already closed): nothing was changed.
    if (err instanceof WorkflowUpdateFailedError)
      throw new OperationError('refused', `the order refused the amendment: ${innermostMessage(err)}`);
    throw toOperationError(err);
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), waitMs);
  try {
    const result = await ctx.client.withAbortSignal(abort.signal, () => update.result());
    return { workflowId: order.workflowId, orderNumber, pending: result.outcome === 'pending', ...result };
  } catch (err) {
    if (abort.signal.aborted) {
      // The workflow bounds its own wait; this is only the caller's safety net (e.g. no worker running).
      return {
        workflowId: order.workflowId,
        orderNumber,
        pending: true,
        outcome: 'pending',
        updated: [],
        refused: [],
        pendingFields: Object.keys(request.order ?? {}).concat(request.orderitems ? ['orderitems'] : []),
        hublifyOrderId: null,
        messages: [
          `accepted, but no answer within ${Math.round(waitMs / 1000)} s (is an order-relay worker running?); see \`orders show\` (update ${update.updateId})`,
        ],
      };
    }
    if (err instanceof WorkflowUpdateFailedError)
      throw new OperationError('refused', `the amendment failed: ${innermostMessage(err)}`);
    throw toOperationError(err);
  } finally {
    clearTimeout(timer);
  }
}

export interface ReplayResult {
  workflowId: string;
  orderNumber: string;
  /** `started`: a new workflow; `joined`: the order's workflow was already running (nothing new started). */
  outcome: 'started' | 'joined';
  webUi?: string;
}

/**
 * Starts an order from a saved Apicbase payload (source `support`), through startOrder like the
 * webhook and the poller. A running order is joined, not started twice; a finished one (shipped,
 * cancelled, timed out) cannot be started again, even after its workflow was deleted (the record
 * store says so); one that was rejected runs anew.
 */
export async function replayOrder(ctx: OperationsContext, payload: unknown): Promise<ReplayResult> {
  const parsed = apicbaseOrderSchema.safeParse(payload);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new OperationError('usage', `not an Apicbase purchase order:\n  - ${problems.join('\n  - ')}`, problems);
  }
  const order = parsed.data;
  const workflowId = orderWorkflowId(order.id);
  try {
    const running = await ctx.client.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => d.status.name === 'RUNNING')
      .catch((err: unknown) => {
        if (toOperationError(err).kind === 'not-found') return false;
        throw err;
      });
    const started = await startOrder(starterFrom(ctx), order, 'support');
    if (started.alreadyFinished) {
      throw new OperationError(
        'conflict',
        `order ${order.order_number} (${workflowId}) already finished and cannot run again; see \`orders show ${order.id}\``,
      );
    }
    const webUi = workflowUiLink(ctx.webUiBaseUrl, ctx.namespace, started.workflowId);
    return {
      workflowId: started.workflowId,
      orderNumber: order.order_number,
      outcome: running ? 'joined' : 'started',
      ...(webUi ? { webUi } : {}),
    };
  } catch (err) {
    throw toOperationError(err);
  }
}
