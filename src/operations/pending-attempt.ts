// An injection Temporal is still retrying, as support sees it (issue 22 item 8, invariant I9): order_create
// (and the order_get asking whether a stopped attempt created the order) is one activity with a retry
// policy, so between its attempts the workflow's status knows nothing of them — it learns the outcome
// only when Hublify answered or the retry budget ran out. Temporal's
// own record of the pending activity (describe → pendingActivities: attempt, last failure, expiry) says
// it from the first failed attempt; `orders show`, `list --why` and `retry` read it here. The failure is
// decoded with the client's own data converter (the relay encrypts failure messages).
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { FINAL_STAGES, type OrderStatus } from '../../workflows/order-status';
import type { OperationsContext } from './context';

/**
 * The activities of the way in (activities/inject-order.ts): order_create, and the order_get that asks
 * Hublify whether an attempt an amendment or a cancel stopped had created the order.
 */
const WAY_IN = ['injectOrder', 'findInjectedOrder'] as const;

export interface PendingInjection {
  /** Which activity Temporal is retrying. */
  activity: (typeof WAY_IN)[number];
  /** Attempts of the pending order_create activity that failed so far. */
  failedAttempts: number;
  /** The last attempt's failure, in one line (its type first when it has one). */
  lastFailure: string;
  /** When Temporal gives up retrying (the injection's budget), if it said. */
  retriesUntil: string | null;
}

function isoOf(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null {
  if (!ts?.seconds) return null;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

/** The innermost message of a failure chain, with the type of its ApplicationFailure when it has one. */
function oneLine(err: Error | undefined): string {
  let innermost: Error | undefined = err;
  let type: string | undefined;
  for (let cur: unknown = err, depth = 0; cur instanceof Error && depth < 10; cur = cur.cause, depth++) {
    innermost = cur;
    if (cur instanceof ApplicationFailure && cur.type) type = cur.type;
  }
  const text = innermost?.message || 'no message';
  return type ? `${type}: ${text}` : text;
}

/** The order_create activity Temporal is retrying for this run, once an attempt failed; else undefined. */
export async function pendingInjection(
  ctx: OperationsContext,
  description: WorkflowExecutionDescription,
): Promise<PendingInjection | undefined> {
  const isWayIn = (name: string | null | undefined): name is PendingInjection['activity'] =>
    (WAY_IN as readonly string[]).includes(name ?? '');
  const pending = (description.raw.pendingActivities ?? []).find(
    (a) => isWayIn(a.activityType?.name) && (a.attempt ?? 1) > 1 && a.lastFailure,
  );
  const activity = pending?.activityType?.name;
  if (!pending || !isWayIn(activity)) return undefined;
  const converter = ctx.client.options.loadedDataConverter;
  const err = await decodeOptionalFailureToOptionalError(converter, pending.lastFailure).catch(() => undefined);
  return {
    activity,
    failedAttempts: (pending.attempt ?? 1) - 1,
    lastFailure: oneLine(err),
    retriesUntil: isoOf(pending.expirationTime),
  };
}

/** The last error while the way in is retried: worded as the workflow's own (failure type HublifyUnavailable). */
export function pendingInjectionText(p: PendingInjection, orderNumber: string): string {
  const retrying = `last: ${p.lastFailure}; order-relay tries again by itself${p.retriesUntil ? ` until ${p.retriesUntil}` : ''}`;
  return p.activity === 'injectOrder'
    ? `Hublify could not be reached: order_create failed ${p.failedAttempts} time(s), ${retrying}`
    : `could not ask Hublify whether it has order ${orderNumber}: order_get failed ${p.failedAttempts} time(s), ${retrying}`;
}

/** True when the order may be on its way in (an attempt after support's retry included): not in Hublify, not final. */
export function mayBeInjecting(status: Pick<OrderStatus, 'hublify' | 'stage'>): boolean {
  return status.hublify === null && !(FINAL_STAGES as readonly string[]).includes(status.stage);
}

/**
 * The status as support must see it: while Temporal retries order_create, its failed attempts count, and
 * the retried call's last failure is the last error (it is newer than any the status holds). The status
 * is returned unchanged when nothing is being retried.
 */
export function withPendingInjection<S extends Pick<OrderStatus, 'attempts' | 'lastError' | 'orderNumber'>>(
  status: S,
  pending: PendingInjection | undefined,
): S {
  if (!pending) return status;
  const failedCreates = pending.activity === 'injectOrder' ? pending.failedAttempts : 0;
  return {
    ...status,
    attempts: { ...status.attempts, inject: status.attempts.inject + failedCreates },
    lastError: pendingInjectionText(pending, status.orderNumber),
  };
}
