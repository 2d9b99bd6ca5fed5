// Finding and reading orders: `orders list` / GET /admin/orders and `orders show` / GET /admin/orders/:ref.
import type { WorkflowExecutionDescription, WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import { orderWorkflowId } from '../apicbase/order';
import { workflowUiLink } from '../ingress/web-ui-link';
import { statusQuery } from '../../workflows/order-messages';
import type { OrderStatus } from '../../workflows/order-status';
import type { orderWorkflow } from '../../workflows/order-workflow';
import {
  CustomerNumber,
  ExpectedDeliveryDate,
  HublifyOrderId,
  OrderNumber,
  OrderStage,
} from '../../workflows/search-attributes';
import type { OperationsContext } from './context';
import { OperationError, isTemporalUnreachable, toOperationError } from './errors';
import { sentToHublify, type OrderAddresses, type SentItem } from './order-address';
import { explainStage, type StageExplanation } from './order-why';
import { mayBeInjecting, pendingInjection, withPendingInjection } from './pending-attempt';
import { refusedOrderDetails, type RefusedOrderDetails } from './refusals';
import type { RefusalRecord } from '../store/order-store';
import {
  ORDER_WORKFLOW_TYPE,
  isQueryable,
  orderListQuery,
  queryLiteral,
  type OrderListFilters,
} from './visibility-query';

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;
/** How long `show` waits for the status query (a worker must answer it) or a completed run's result. */
const QUERY_TIMEOUT_MS = 10_000;

/** One line of `orders list`: what visibility knows, without asking the workflow. */
export interface OrderSummary {
  workflowId: string;
  runId: string;
  orderNumber: string | null;
  customerNumber: string | null;
  stage: string | null;
  hublifyOrderId: string | null;
  expectedDelivery: string | null;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT… */
  execution: string;
  startedAt: string;
  closedAt: string | null;
  webUi?: string;
}

/** A listed order with why it is in its stage and since when (`--needs-attention`, `--overdue`, `watch`). */
export type ExplainedOrderSummary = OrderSummary &
  StageExplanation & {
    /** Why the status query could not be answered; `since` and `why` are then unknown (null). */
    statusUnavailable?: string;
  };

/** A refused order that started no workflow, as `orders list --stage REJECTED` shows it (from the order store). */
export type RefusedOrderSummary = Omit<OrderSummary, 'workflowId' | 'runId' | 'execution' | 'customerNumber'> & {
  workflowId: null;
  runId: null;
  /** Not kept: a refused order's record holds no customer data. */
  customerNumber: null;
  execution: 'NO_WORKFLOW';
  reasons: RefusalRecord['reasons'];
};

export interface OrderList {
  query: string;
  orders: Array<OrderSummary | ExplainedOrderSummary | RefusedOrderSummary>;
  /** More orders matched than `limit`. */
  truncated: boolean;
}

export function summary(
  ctx: OperationsContext,
  info: WorkflowExecutionInfo | WorkflowExecutionDescription,
): OrderSummary {
  const sa = info.typedSearchAttributes;
  const webUi = workflowUiLink(ctx.webUiBaseUrl, ctx.namespace, info.workflowId);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    orderNumber: sa.get(OrderNumber) ?? null,
    customerNumber: sa.get(CustomerNumber) ?? null,
    stage: sa.get(OrderStage) ?? null,
    hublifyOrderId: sa.get(HublifyOrderId) ?? null,
    expectedDelivery: sa.get(ExpectedDeliveryDate)?.toISOString() ?? null,
    execution: info.status.name,
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString() ?? null,
    ...(webUi ? { webUi } : {}),
  };
}

export interface ListOptions {
  /** Ask each listed order's workflow why it is in its stage and since when (one status query each). */
  explain?: boolean;
}

export async function listOrders(
  ctx: OperationsContext,
  filters: OrderListFilters,
  limit = DEFAULT_LIST_LIMIT,
  options: ListOptions = {},
): Promise<OrderList> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw new OperationError('usage', `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
  const query = orderListQuery(filters);
  const orders: OrderSummary[] = [];
  let truncated = false;
  try {
    for await (const info of ctx.client.workflow.list({ query, pageSize: Math.min(limit + 1, 1000) })) {
      if (orders.length === limit) {
        truncated = true;
        break;
      }
      orders.push(summary(ctx, info));
    }
  } catch (err) {
    throw toOperationError(err);
  }
  const listed = options.explain ? await explainOrders(ctx, orders) : orders;
  const refused = await refusedWithoutWorkflow(ctx, filters, limit);
  if (refused.length === 0) return { query, orders: listed, truncated };
  // Newest first, as visibility lists them.
  const merged = [...listed, ...refused].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return { query, orders: merged.slice(0, limit), truncated: truncated || merged.length > limit };
}

/**
 * Refused orders that started no workflow (issue 26.2), for a list that asks for REJECTED and may show
 * closed orders. Their records hold no customer, so a customer filter matches none of them.
 */
async function refusedWithoutWorkflow(
  ctx: OperationsContext,
  filters: OrderListFilters,
  limit: number,
): Promise<RefusedOrderSummary[]> {
  const asked =
    filters.stages?.includes('REJECTED') &&
    filters.running !== true &&
    filters.customerNumber === undefined &&
    filters.orderNumber === undefined;
  if (!asked || !ctx.refusals) return [];
  const records = await ctx.refusals.listRefusals({
    withoutWorkflow: true,
    limit,
    ...(filters.since ? { since: filters.since } : {}),
  });
  return records.map((r) => ({
    workflowId: null,
    runId: null,
    orderNumber: r.orderNumber,
    customerNumber: null,
    stage: 'REJECTED',
    hublifyOrderId: null,
    expectedDelivery: null,
    execution: 'NO_WORKFLOW',
    startedAt: r.refusedAt,
    closedAt: r.refusedAt,
    reasons: r.reasons,
  }));
}

/** At most this many status queries at once: a long list must not flood the workers. */
const EXPLAIN_CONCURRENCY = 8;

export async function explainOrders(ctx: OperationsContext, orders: OrderSummary[]): Promise<ExplainedOrderSummary[]> {
  const out: ExplainedOrderSummary[] = new Array<ExplainedOrderSummary>(orders.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < orders.length; i = next++) out[i] = await explainOrder(ctx, orders[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(EXPLAIN_CONCURRENCY, orders.length) }, worker));
  return out;
}

export async function explainOrder(ctx: OperationsContext, order: OrderSummary): Promise<ExplainedOrderSummary> {
  const handle = ctx.client.workflow.getHandle<typeof orderWorkflow>(order.workflowId, order.runId);
  try {
    const status = await withRetriedInjection(ctx, await queryStatus(ctx, handle, order.execution), () =>
      handle.describe(),
    );
    // The status is the workflow's own truth; visibility may lag a moment behind it.
    return { ...order, stage: status.stage, ...explainStage(status) };
  } catch (err) {
    return { ...order, since: null, failureType: null, why: null, statusUnavailable: unansweredBecause(err) };
  }
}

export interface ResolvedOrder {
  workflowId: string;
  handle: WorkflowHandle<typeof orderWorkflow>;
  description: WorkflowExecutionDescription;
}

async function describeIfExists(ctx: OperationsContext, workflowId: string): Promise<ResolvedOrder | undefined> {
  const handle = ctx.client.workflow.getHandle<typeof orderWorkflow>(workflowId);
  try {
    const description = await handle.describe();
    if (description.type !== ORDER_WORKFLOW_TYPE) return undefined;
    return { workflowId, handle, description };
  } catch (err) {
    const e = toOperationError(err);
    if (e.kind === 'not-found') return undefined;
    throw e;
  }
}

const APICBASE_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * An order by its Apicbase id (or workflow id `apicbase-order-<id>`), else by its order number
 * (the OrderNumber search attribute). The direct id comes first: it needs no visibility lookup, so it
 * also finds an order started a moment ago.
 */
export async function resolveOrder(ctx: OperationsContext, ref: string): Promise<ResolvedOrder> {
  const text = ref.trim();
  if (!text) throw new OperationError('usage', 'give an order number or an Apicbase id');
  const direct = [
    ...(text.startsWith('apicbase-order-') ? [text] : []),
    ...(APICBASE_ID.test(text) ? [orderWorkflowId(text)] : []),
  ];
  for (const workflowId of direct) {
    const found = await describeIfExists(ctx, workflowId);
    if (found) return found;
  }
  const ids = new Set<string>();
  if (!isQueryable(text))
    throw new OperationError(
      'not-found',
      `no order with Apicbase id "${text}" (an order number with quotes or backslashes cannot be searched for: give the Apicbase id)`,
    );
  try {
    const query = `WorkflowType = ${queryLiteral(ORDER_WORKFLOW_TYPE)} AND ${OrderNumber.name} = ${queryLiteral(text)}`;
    for await (const info of ctx.client.workflow.list({ query, pageSize: 10 })) {
      ids.add(info.workflowId);
      if (ids.size > 5) break;
    }
  } catch (err) {
    throw toOperationError(err);
  }
  if (ids.size > 1) {
    throw new OperationError(
      'conflict',
      `order number ${text} names ${ids.size} orders: give the Apicbase id instead`,
      [...ids],
    );
  }
  const [workflowId] = ids;
  const found = workflowId ? await describeIfExists(ctx, workflowId) : undefined;
  if (!found) throw new OperationError('not-found', `no order with order number or Apicbase id "${text}"`);
  return found;
}

/** `orders show`: the workflow's own status (query) with what Temporal knows about the run. */
export type OrderDetails = OrderSummary &
  Partial<Omit<OrderStatus, 'workflowId' | 'orderNumber' | 'customerNumber' | 'stage'>> & {
    /** Why the status query could not be answered (e.g. no worker is running); the rest is from visibility. */
    statusUnavailable?: string;
    /** Invoice and delivery address as mapped (and amended), from the workflow's `request` query; absent before mapping. */
    addresses?: OrderAddresses;
    /** The items Hublify was sent (amended items included); absent before mapping. */
    items?: SentItem[];
    /** The order comment Hublify was sent (o_comment); absent before mapping. */
    comment?: string | null;
  };

/**
 * The order's status, for `orders show`, `orders list --why` and the admin API, and cancel's outcome. A completed
 * run's status is its result, read without a worker (a query replays the run first: it fails when no worker
 * answers, or not in time under load); a running or otherwise closed run (failed, cancelled, terminated)
 * answers the status query. `execution` is Temporal's execution status of the run (`COMPLETED`, …).
 */
export async function queryStatus(
  ctx: OperationsContext,
  handle: WorkflowHandle<typeof orderWorkflow>,
  execution: string,
): Promise<OrderStatus> {
  const deadline = () => Date.now() + QUERY_TIMEOUT_MS;
  if (execution === 'COMPLETED') {
    const final = await ctx.client.withDeadline(deadline(), () => handle.result()).catch(() => undefined);
    if (final) return final;
  }
  return ctx.client.withDeadline(deadline(), () => handle.query(statusQuery));
}

/**
 * The status with the order_create attempts Temporal is retrying (pending-attempt.ts): from the first
 * failed attempt, the attempt count and the last error (issue 22, I9). Asks Temporal only while the order
 * may be injecting; a description that cannot be read leaves the status as the workflow gave it.
 */
export async function withRetriedInjection(
  ctx: OperationsContext,
  status: OrderStatus,
  describe: () => Promise<WorkflowExecutionDescription>,
): Promise<OrderStatus> {
  if (!mayBeInjecting(status)) return status;
  const pending = await describe()
    .then((d) => pendingInjection(ctx, d))
    .catch(() => undefined);
  return withPendingInjection(status, pending);
}

/** Why the status query went unanswered. A query needs a worker: a deadline means no worker answered, not that Temporal is away. */
function unansweredBecause(err: unknown): string {
  return isTemporalUnreachable(err)
    ? `no answer within ${QUERY_TIMEOUT_MS / 1000} s (is an order-relay worker running?)`
    : toOperationError(err).message;
}

export async function showOrder(ctx: OperationsContext, ref: string): Promise<OrderDetails> {
  const order = await resolveOrder(ctx, ref);
  return detailsOf(ctx, order);
}

/**
 * `orders show` / GET /admin/orders/:ref: an order's workflow details, with its refusals (if any) from the
 * order store; or, for an order refused before any workflow started, what its refusal records say (issue 26.2).
 */
export async function showOrderOrRefusal(
  ctx: OperationsContext,
  ref: string,
): Promise<(OrderDetails & { refusals?: RefusalRecord[] }) | RefusedOrderDetails> {
  let order: ResolvedOrder;
  try {
    order = await resolveOrder(ctx, ref);
  } catch (err) {
    if (!(err instanceof OperationError) || err.kind !== 'not-found' || !ctx.refusals) throw err;
    const refusals = await ctx.refusals.findRefusals(ref.trim()).catch((e: unknown) => {
      err.problems.push(toOperationError(e).message);
      return [];
    });
    if (refusals.length === 0) throw err;
    return refusedOrderDetails(refusals);
  }
  const details = await detailsOf(ctx, order);
  // A refusal record is a nicety beside the workflow's own status: a store that cannot be read hides nothing.
  const refusals = ctx.refusals
    ? await ctx.refusals.findRefusals(details.orderNumber ?? ref.trim()).catch(() => [])
    : [];
  return refusals.length ? { ...details, refusals } : details;
}

/** The status could not be read: why (see unansweredBecause). */
class StatusUnanswered {
  constructor(readonly cause: unknown) {}
}

export async function detailsOf(ctx: OperationsContext, order: ResolvedOrder): Promise<OrderDetails> {
  const base = summary(ctx, order.description);
  // What Hublify was sent is a nicety: a history that cannot be read (or decoded) must not hide the status.
  // Asked beside the status, not before it: each may wait out its deadline (no worker to answer a query).
  const [sent, queried] = await Promise.all([
    sentToHublify(ctx, order).catch(() => undefined),
    queryStatus(ctx, order.handle, order.description.status.name).catch((err: unknown) => new StatusUnanswered(err)),
  ]);
  const withAddresses = sent ? { addresses: sent.addresses, items: sent.items, comment: sent.comment } : {};
  if (queried instanceof StatusUnanswered) {
    return { ...base, ...withAddresses, statusUnavailable: unansweredBecause(queried.cause) };
  }
  const status = await withRetriedInjection(ctx, queried, () => Promise.resolve(order.description));
  return {
    ...base,
    ...withAddresses,
    ...status,
    // The status is the workflow's own truth; visibility may lag a moment behind it.
    orderNumber: status.orderNumber,
    customerNumber: status.customerNumber,
    stage: status.stage,
    hublifyOrderId: status.hublify?.orderId ?? base.hublifyOrderId,
  };
}

/** The order must still run for signals and updates to reach it. */
export function requireRunning(order: ResolvedOrder, action: string): void {
  const execution = order.description.status.name;
  if (execution !== 'RUNNING') {
    const stage = order.description.typedSearchAttributes.get(OrderStage);
    throw new OperationError(
      'conflict',
      `order ${order.workflowId} is closed (${execution}${stage ? `, stage ${stage}` : ''}): nothing to ${action}`,
    );
  }
}
