// Starts the order workflow for an Apicbase order: the one way in for the webhook, the pull poller and
// support's replay. The workflow id makes redeliveries join the running workflow instead of starting
// a second one; an order whose earlier workflow failed (rejected) may run again.
//
// A finished order stays finished after Temporal deletes its workflow (retention): Apicbase's
// signature has no timestamp or nonce, so a captured delivery re-sent later cannot be told from the
// first one. Before starting, the order record store is asked: an order it holds as closed
// (CLOSED_STAGES) is answered as Temporal answers for a closed run that is still kept — finished, with
// its last stage — and nothing starts.
import { epochMsOf, parseIsoDateTime } from '../../workflows/iso-date-time';
import { setMaxListeners } from 'node:events';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { ApicbaseOrder } from '../apicbase/order';
import { orderWorkflowId } from '../apicbase/order';
import {
  CustomerNumber,
  ExpectedDeliveryDate,
  ORDER_STAGES,
  ORDER_WORKFLOW_TYPE,
  OrderNumber,
  OrderStageKey,
  rejectionShownSignal,
  verdictUpdate,
  type OrderSource,
  type OrderStage,
  type OrderVerdict,
  type OrderWorkflow,
  type OrderWorkflowSettings,
  type VerdictRequest,
} from '../../workflows/order-contract';

/** The order record store's latest stage of an order (by workflow id); undefined when it has none. */
export type RecordedStageLookup = (workflowId: string) => Promise<string | undefined>;

export interface OrderStarterDeps {
  client: Client;
  taskQueue: string;
  settings: () => OrderWorkflowSettings;
  /**
   * The order record store, asked before every start (every role that starts orders has one); null
   * only where no store exists (tests and benchmarks that start orders by hand).
   */
  recordedStage: RecordedStageLookup | null;
}

/**
 * The stages whose run completes, so that Temporal refuses a new run while it keeps that run; the
 * record store refuses it after. REJECTED is not among them: its run fails, so the customer may place
 * the order again (README, "The order workflow").
 */
export const CLOSED_STAGES = ['SHIPPED', 'CANCELLED', 'TIMED_OUT'] as const satisfies readonly OrderStage[];

/** The order's last stage when the record store holds it as closed. */
async function closedInStore(deps: OrderStarterDeps, workflowId: string): Promise<OrderStage | undefined> {
  const stage = await deps.recordedStage?.(workflowId);
  return CLOSED_STAGES.find((s) => s === stage);
}

export interface StartedOrder {
  workflowId: string;
  /**
   * A workflow for this order already finished and cannot be started again (e.g. it shipped, or
   * support cancelled it). Otherwise the order is running: newly started, or joined (a redelivery or
   * concurrent duplicate).
   */
  alreadyFinished: boolean;
  /** The finished order's last stage (its OrderStage search attribute), when it already finished. */
  finalStage?: OrderStage;
}

function startOptions(deps: OrderStarterDeps, order: ApicbaseOrder, source: OrderSource) {
  // Read as the workflow reads it (an offset-less time is UTC, never this server's zone).
  const moment = order.expected_delivery_date
    ? parseIsoDateTime(order.expected_delivery_date, { allowDateOnly: true })
    : undefined;
  const expected = moment ? new Date(epochMsOf(moment)) : undefined;
  const items = order.packages.length;
  return {
    workflowId: orderWorkflowId(order.id),
    taskQueue: deps.taskQueue,
    args: [{ order, source, settings: deps.settings() }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    staticSummary: `Order ${order.order_number} · customer ${order.supplier_customer_number} · ${items} item${items === 1 ? '' : 's'}`,
    // Markdown (the Web UI renders it): a heading line and a list, so the lines do not run together.
    staticDetails: [
      `Apicbase order **${order.order_number}** (id ${order.id}) from ${source}`,
      '',
      `- Customer location: ${order.supplier_customer_number}`,
      `- Ordered on: ${order.ordered_on}${order.expected_delivery_date ? ` · expected delivery: ${order.expected_delivery_date}` : ''}`,
      `- Items: ${order.packages.map((p) => `${p.quantity_ordered} × ${p.supplier_package.supplier_article_number}`).join(', ')}`,
    ].join('\n'),
    typedSearchAttributes: [
      { key: OrderNumber, value: order.order_number },
      { key: CustomerNumber, value: order.supplier_customer_number },
      { key: OrderStageKey, value: 'RECEIVED' },
      ...(expected && !Number.isNaN(expected.getTime()) ? [{ key: ExpectedDeliveryDate, value: expected }] : []),
    ],
  } satisfies WorkflowStartOptions<OrderWorkflow> & { workflowId: string };
}

/** Durably starts (or joins) the order's workflow. Resolves once Temporal has accepted the start. */
export async function startOrder(
  deps: OrderStarterDeps,
  order: ApicbaseOrder,
  source: OrderSource,
): Promise<StartedOrder> {
  const options = startOptions(deps, order, source);
  const closed = await closedInStore(deps, options.workflowId);
  if (closed) return { workflowId: options.workflowId, alreadyFinished: true, finalStage: closed };
  try {
    // With USE_EXISTING a duplicate start returns the running workflow's handle.
    const handle = await deps.client.workflow.start<OrderWorkflow>(ORDER_WORKFLOW_TYPE, options);
    return { workflowId: handle.workflowId, alreadyFinished: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return {
        workflowId: options.workflowId,
        alreadyFinished: true,
        finalStage: await finalStageOf(deps.client, options.workflowId),
      };
    }
    throw err;
  }
}

/** A closed order's last stage, from its search attribute: no worker needed (a query would need one). */
async function finalStageOf(client: Client, workflowId: string): Promise<OrderStage | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const stage = description.typedSearchAttributes.get(OrderStageKey);
  return ORDER_STAGES.find((s) => s === stage);
}

/**
 * Starts (or joins) the workflow and waits for its verdict (verified and mapped, or rejected) in one
 * call with update-with-start. Rejects with TemporalDeadlineError as soon as `signal` aborts; the
 * workflow may or may not have been started by then (describe it to know). Callers should also set
 * a gRPC deadline (client.withDeadline) a little after the signal, so abandoned retries stop.
 */
export async function startOrderAndAwaitVerdict(
  deps: OrderStarterDeps,
  order: ApicbaseOrder,
  source: OrderSource,
  signal: AbortSignal,
  answerBy?: number,
): Promise<{ verdict: OrderVerdict } & StartedOrder> {
  const options = startOptions(deps, order, source);
  const closed = await raceAbort(signal, closedInStore(deps, options.workflowId));
  if (closed) {
    return {
      verdict: { workflowId: options.workflowId, accepted: true, stage: closed, reasons: [] },
      workflowId: options.workflowId,
      alreadyFinished: true,
      finalStage: closed,
    };
  }
  const startWorkflowOperation = new WithStartWorkflowOperation<OrderWorkflow>(ORDER_WORKFLOW_TYPE, options);
  try {
    // `answerBy` lets the workflow answer "pending" in time, so it knows a later rejection went unseen.
    const args: [VerdictRequest?] = answerBy === undefined ? [] : [{ answerBy }];
    const verdict = await raceAbort(
      signal,
      deps.client.withAbortSignal(signal, () =>
        deps.client.workflow.executeUpdateWithStart(verdictUpdate, { args, startWorkflowOperation }),
      ),
    );
    const handle = await startWorkflowOperation.workflowHandle();
    return { verdict, workflowId: handle.workflowId, alreadyFinished: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      // Finished (shipped, cancelled…): only a failed (rejected) run may be started again.
      const finalStage = await raceAbort(
        signal,
        deps.client.withAbortSignal(signal, () => finalStageOf(deps.client, options.workflowId)),
      );
      return {
        verdict: { workflowId: options.workflowId, accepted: true, stage: finalStage ?? 'RECEIVED', reasons: [] },
        workflowId: options.workflowId,
        alreadyFinished: true,
        ...(finalStage ? { finalStage } : {}),
      };
    }
    throw err;
  }
}

/**
 * Tells the order's run that the caller shows the customer the rejection its verdict gave (the
 * webhook's 422), before the answer goes out: only then does the run end REJECTED (issue 22.7). False
 * when Temporal did not take the signal within `deadlineMs`: the caller then answers as for a late verdict.
 */
export async function confirmRejectionShown(client: Client, workflowId: string, deadlineMs: number): Promise<boolean> {
  return withinDeadline(client, deadlineMs, () => client.workflow.getHandle(workflowId).signal(rejectionShownSignal))
    .then(() => true)
    .catch(() => false);
}

/** Thrown by `raceAbort` / `withinDeadline` when the time is up. */
export class TemporalDeadlineError extends Error {
  constructor(message = 'Temporal did not answer within the deadline') {
    super(message);
    this.name = 'TemporalDeadlineError';
  }
}

/**
 * Settles with `work`, or rejects with TemporalDeadlineError as soon as `signal` aborts, whatever
 * `work` is still doing. Needed because the SDK's gRPC retry interceptor only cancels the attempt in
 * flight when the signal aborts: while Temporal is unreachable it goes on retrying (up to 10
 * attempts, ~20 s) and the call would outlive any deadline given through withAbortSignal alone.
 */
export async function raceAbort<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    throw new TemporalDeadlineError();
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new TemporalDeadlineError());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/** Margin after which the gRPC deadline stops the SDK's retries behind an abandoned call. */
const GRPC_DEADLINE_MARGIN_MS = 250;

/**
 * Runs `fn` (Temporal client calls) and gives up after `deadlineMs`: the answer is bounded by our own
 * timer, the calls are cancelled (abort signal) and their retries stopped (gRPC deadline, a little
 * later so that our timer always decides first).
 */
export async function withinDeadline<T>(
  client: Client,
  deadlineMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const signal = AbortSignal.timeout(deadlineMs);
  setMaxListeners(0, signal); // every RPC in `fn` adds one abort listener: not a leak
  const grpcDeadline = Date.now() + deadlineMs + GRPC_DEADLINE_MARGIN_MS;
  return raceAbort(
    signal,
    client.withDeadline(grpcDeadline, () => client.withAbortSignal(signal, () => fn(signal))),
  );
}
