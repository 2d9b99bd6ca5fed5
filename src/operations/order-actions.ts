// What support does to an order: cancel (with a reason), retry, poll, amend, and replay a saved
// Apicbase payload. The messages are the workflow's own (workflows/order-messages.ts).
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { apicbaseOrderSchema, describeIssues, orderWorkflowId } from '../apicbase/order';
import { workflowUiLink } from '../ingress/web-ui-link';
import { startOrder } from '../orders/start-order';
import { validateAmendRequest } from '../../workflows/amend-validation';
import { amendUpdate, cancelReasonSignal, pollNowSignal, retrySignal, statusQuery } from '../../workflows/order-messages';
import type { AmendRequest, AmendResult } from '../../workflows/order-status';
import { starterFrom, type OperationsContext } from './context';
import { OperationError, toOperationError } from './errors';
import { requireRunning, resolveOrder, type ResolvedOrder } from './orders';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function orderNumberOf(ctx: OperationsContext, order: ResolvedOrder): Promise<string | null> {
  try {
    return (await ctx.client.withDeadline(Date.now() + 5_000, () => order.handle.query(statusQuery))).orderNumber;
  } catch {
    return null;
  }
}

export interface CancelResult {
  workflowId: string;
  orderNumber: string | null;
  reason: string;
  /** True once the workflow closed; false when it has not (yet) within the wait. */
  cancelled: boolean;
  stage: string | null;
  execution: string;
}

/** Records the reason (signal `cancelReason`), then cancels with Temporal's own cancel and waits for it to close. */
export async function cancelOrder(ctx: OperationsContext, ref: string, reason: string, waitMs = 15_000): Promise<CancelResult> {
  const why = reason.trim();
  if (!why) throw new OperationError('usage', 'a reason is required (it is recorded with the cancellation)');
  if (why.length > 1000) throw new OperationError('usage', 'the reason is longer than 1000 characters');
  const order = await resolveOrder(ctx, ref);
  requireRunning(order, 'cancel');
  try {
    await order.handle.signal(cancelReasonSignal, why);
    // Temporal's own cancel request, with the reason as its cause: the history's "cancel requested"
    // event (Web UI, `temporal workflow show`) says why, as the `cancelReason` signal does to the workflow.
    // (WorkflowHandle.cancel() takes no reason.)
    await ctx.client.workflowService.requestCancelWorkflowExecution({
      namespace: ctx.namespace,
      workflowExecution: { workflowId: order.workflowId },
      identity: ctx.client.options.identity,
      requestId: randomUUID(),
      reason: why,
    });
    let execution = 'RUNNING';
    for (const deadline = Date.now() + waitMs; Date.now() < deadline; await sleep(200)) {
      execution = (await order.handle.describe()).status.name;
      if (execution !== 'RUNNING') break;
    }
    let stage: string | null = null;
    let orderNumber: string | null = null;
    try {
      const status = await ctx.client.withDeadline(Date.now() + 10_000, () => order.handle.query(statusQuery));
      stage = status.stage;
      orderNumber = status.orderNumber;
    } catch {
      // the status is a nicety here; the cancel itself went through
    }
    return { workflowId: order.workflowId, orderNumber, reason: why, cancelled: execution !== 'RUNNING', stage, execution };
  } catch (err) {
    throw toOperationError(err);
  }
}

export interface SignalResult {
  workflowId: string;
  orderNumber: string | null;
  signalled: 'retry' | 'pollNow';
  /** The stage when the signal was sent. */
  stage: string | null;
  note?: string;
}

/** Signal `retry`: the stuck step runs again (support fixed something outside). */
export async function retryOrder(ctx: OperationsContext, ref: string, note?: string): Promise<SignalResult> {
  const order = await resolveOrder(ctx, ref);
  requireRunning(order, 'retry');
  try {
    const status = await ctx.client.withDeadline(Date.now() + 10_000, () => order.handle.query(statusQuery)).catch(() => undefined);
    await order.handle.signal(retrySignal, note?.trim() ? { note: note.trim() } : {});
    return {
      workflowId: order.workflowId,
      orderNumber: status?.orderNumber ?? null,
      signalled: 'retry',
      stage: status?.stage ?? null,
      ...(status && status.stage !== 'NEEDS_ATTENTION' ? { note: `the order is ${status.stage}, not waiting for support: retry only polls Hublify now` } : {}),
    };
  } catch (err) {
    throw toOperationError(err);
  }
}

/** Signal `pollNow`: ask Hublify about the order now instead of at the next scheduled poll. */
export async function pollOrder(ctx: OperationsContext, ref: string): Promise<SignalResult> {
  const order = await resolveOrder(ctx, ref);
  requireRunning(order, 'poll');
  try {
    const status = await ctx.client.withDeadline(Date.now() + 10_000, () => order.handle.query(statusQuery)).catch(() => undefined);
    await order.handle.signal(pollNowSignal);
    return { workflowId: order.workflowId, orderNumber: status?.orderNumber ?? null, signalled: 'pollNow', stage: status?.stage ?? null };
  } catch (err) {
    throw toOperationError(err);
  }
}

export type AmendOutcome = { workflowId: string; orderNumber: string | null } & (
  | ({ pending: false } & AmendResult)
  | { pending: true; outcome: 'pending'; updated: []; refused: []; pendingFields: string[]; hublifyOrderId: null; messages: string[] }
);

/** The innermost message of a failure chain: the workflow's or Hublify's own words. */
function innermostMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  for (let cur: unknown = err instanceof Error ? err.cause : undefined, depth = 0; cur instanceof Error && depth < 8; cur = cur.cause, depth++) {
    if (cur.message) message = cur.message;
  }
  return message;
}

/**
 * The `amend` update: corrected order fields and/or a new item list. Checked here first (the same
 * rules the workflow's validator applies), then sent; waits up to `waitMs` for Hublify's answer.
 */
export async function amendOrder(ctx: OperationsContext, ref: string, request: AmendRequest, waitMs = 60_000): Promise<AmendOutcome> {
  try {
    validateAmendRequest(request);
  } catch (err) {
    throw new OperationError('usage', (err as Error).message, (err as Error).message.replace(/^amend rejected: /, '').split('; '));
  }
  const order = await resolveOrder(ctx, ref);
  requireRunning(order, 'amend');
  const orderNumber = await orderNumberOf(ctx, order);
  let update;
  try {
    update = await order.handle.startUpdate(amendUpdate, { args: [request], waitForStage: WorkflowUpdateStage.ACCEPTED });
  } catch (err) {
    // The workflow's validator said no (e.g. not mapped yet, already closed): nothing was changed.
    if (err instanceof WorkflowUpdateFailedError) throw new OperationError('refused', `the order refused the amendment: ${innermostMessage(err)}`);
    throw toOperationError(err);
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), waitMs);
  try {
    const result = await ctx.client.withAbortSignal(abort.signal, () => update.result());
    return { workflowId: order.workflowId, orderNumber, pending: false, ...result };
  } catch (err) {
    if (abort.signal.aborted) {
      return {
        workflowId: order.workflowId,
        orderNumber,
        pending: true,
        outcome: 'pending',
        updated: [],
        refused: [],
        pendingFields: [],
        hublifyOrderId: null,
        messages: [`accepted, but Hublify has not answered within ${Math.round(waitMs / 1000)}s; see \`orders show\` (update ${update.updateId})`],
      };
    }
    if (err instanceof WorkflowUpdateFailedError) throw new OperationError('refused', `the amendment failed: ${innermostMessage(err)}`);
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
 * say) cannot be started again; one that was rejected or cancelled runs anew.
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
      throw new OperationError('conflict', `order ${order.order_number} (${workflowId}) already finished and cannot run again; see \`orders show ${order.id}\``);
    }
    const webUi = workflowUiLink(ctx.webUiBaseUrl, ctx.namespace, started.workflowId);
    return { workflowId: started.workflowId, orderNumber: order.order_number, outcome: running ? 'joined' : 'started', ...(webUi ? { webUi } : {}) };
  } catch (err) {
    throw toOperationError(err);
  }
}
