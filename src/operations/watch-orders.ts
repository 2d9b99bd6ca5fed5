// `orders watch`: follows orders live by polling Temporal visibility at an interval. Each round
// compares every order's stage and execution status with the round before; an order that changed
// (or is seen for the first time) is asked why it is in its stage and since when (the status query).
import { setTimeout as sleep } from 'node:timers/promises';
import type { OperationsContext } from './context';
import { OperationError, toOperationError } from './errors';
import { explainOrder, resolveOrder, summary, type ExplainedOrderSummary, type OrderSummary } from './orders';
import { orderListQuery, type OrderListFilters } from './visibility-query';

export const DEFAULT_WATCH_INTERVAL_MS = 2_000;
export const DEFAULT_WATCH_LIMIT = 500;

export interface OrderChange extends ExplainedOrderSummary {
  /** When the watch saw the change. */
  seenAt: string;
  /** The stage the watch saw before; null the first time it sees the order. */
  previousStage: string | null;
  /** The order no longer matches the filters (e.g. it left NEEDS_ATTENTION): its stage now. */
  leftFilter?: boolean;
}

export interface WatchOptions {
  intervalMs?: number;
  limit?: number;
  signal: AbortSignal;
  /** Every round's changes, oldest stage entry first (nothing is called for a round without changes). */
  onChanges: (changes: OrderChange[]) => void;
  /** A round that failed (e.g. Temporal unreachable for a moment); the watch goes on. */
  onError?: (error: OperationError) => void;
  /** More orders match than `limit`: only the newest are watched. */
  onTruncated?: (limit: number) => void;
}

const key = (o: OrderSummary) => `${o.stage ?? '?'}|${o.execution}`;

/** The watch's query: the filters, over running orders and those closed since the watch began. */
export function watchQuery(filters: OrderListFilters, startedAt: Date): string {
  return orderListQuery(filters.running === undefined ? { ...filters, runningOrClosedSince: startedAt } : filters);
}

/** Runs until `signal` aborts; resolves with how many changes it reported. */
export async function watchOrders(
  ctx: OperationsContext,
  filters: OrderListFilters,
  options: WatchOptions,
): Promise<number> {
  const { signal } = options;
  const intervalMs = options.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
  const limit = options.limit ?? DEFAULT_WATCH_LIMIT;
  const query = watchQuery(filters, new Date());
  const seen = new Map<string, OrderSummary>();
  const shown = new Map<string, string>();
  let reported = 0;
  let warnedTruncated = false;
  while (!signal.aborted) {
    try {
      const current = await listMatching(ctx, query, limit);
      if (current.truncated && !warnedTruncated) {
        warnedTruncated = true;
        options.onTruncated?.(limit);
      }
      const changes = await changesOf(ctx, seen, shown, current.orders);
      if (changes.length > 0 && !signal.aborted) {
        reported += changes.length;
        options.onChanges(changes);
      }
    } catch (err) {
      if (signal.aborted) break;
      options.onError?.(toOperationError(err));
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
  }
  return reported;
}

async function listMatching(
  ctx: OperationsContext,
  query: string,
  limit: number,
): Promise<{ orders: OrderSummary[]; truncated: boolean }> {
  const orders: OrderSummary[] = [];
  for await (const info of ctx.client.workflow.list({ query, pageSize: Math.min(limit + 1, 1000) })) {
    if (orders.length === limit) return { orders, truncated: true };
    orders.push(summary(ctx, info));
  }
  return { orders, truncated: false };
}

/**
 * Updates `seen` (visibility's view) to `current`; the changed, new and departed orders, explained.
 * Visibility may lag behind the workflow's own status, which the explanation reads: a change is said
 * against the stage last *shown* (`shown`), and one the watch already showed is not shown again, so
 * a later stage is never followed by an earlier transition (issue 26.9).
 */
async function changesOf(
  ctx: OperationsContext,
  seen: Map<string, OrderSummary>,
  shown: Map<string, string>,
  current: OrderSummary[],
): Promise<OrderChange[]> {
  const seenAt = new Date().toISOString();
  const changed: Array<{ order: OrderSummary; previousStage: string | null; leftFilter?: boolean }> = [];
  const now = new Map(current.map((o) => [o.workflowId, o]));
  for (const order of current) {
    const before = seen.get(order.workflowId);
    if (!before || key(before) !== key(order)) changed.push({ order, previousStage: before?.stage ?? null });
  }
  for (const [workflowId, before] of seen) {
    if (now.has(workflowId)) continue;
    // Left the filters (or closed before the watch's window): say where it went.
    const found = await resolveOrder(ctx, workflowId).catch(() => undefined);
    changed.push({
      order: found ? summary(ctx, found.description) : before,
      previousStage: before.stage,
      leftFilter: true,
    });
  }
  seen.clear();
  for (const [id, o] of now) seen.set(id, o);

  const explained = await Promise.all(
    changed.map(async ({ order, previousStage, leftFilter }) => ({
      explained: await explainOrder(ctx, order),
      previousStage,
      leftFilter,
    })),
  );
  const out: OrderChange[] = [];
  for (const { explained: e, previousStage, leftFilter } of explained) {
    const before = shown.get(e.workflowId);
    if (!leftFilter && before === key(e)) continue; // visibility caught up with what was shown already
    shown.set(e.workflowId, key(e));
    if (leftFilter) shown.delete(e.workflowId);
    const shownStage = before === undefined ? previousStage : before.slice(0, before.lastIndexOf('|'));
    out.push({
      ...e,
      seenAt,
      previousStage: shownStage === '?' ? null : shownStage,
      ...(leftFilter ? { leftFilter } : {}),
    });
  }
  return out.sort((a, b) => (a.since ?? a.startedAt).localeCompare(b.since ?? b.startedAt));
}
