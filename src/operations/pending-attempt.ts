// An injection Temporal is still retrying, as support sees it (issue 22 item 8, invariant I9): order_create
// is one activity with a retry policy, so between its attempts the workflow's status knows nothing of
// them — it learns the outcome only when Hublify took the order or the retry budget ran out. Temporal's
// own record of the pending activity (describe → pendingActivities: attempt, last failure, expiry) says
// it from the first failed attempt; `orders show`, `list --why` and `retry` read it here. The failure is
// decoded with the client's own data converter (the relay encrypts failure messages).
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import type { OrderStatus } from '../../workflows/order-status';
import type { OperationsContext } from './context';

/** The activity that sends order_create (activities/inject-order.ts). */
const INJECT_ACTIVITY = 'injectOrder';

export interface PendingInjection {
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
  const pending = (description.raw.pendingActivities ?? []).find(
    (a) => a.activityType?.name === INJECT_ACTIVITY && (a.attempt ?? 1) > 1 && a.lastFailure,
  );
  if (!pending) return undefined;
  const converter = ctx.client.options.loadedDataConverter;
  const err = await decodeOptionalFailureToOptionalError(converter, pending.lastFailure).catch(() => undefined);
  return {
    failedAttempts: (pending.attempt ?? 1) - 1,
    lastFailure: oneLine(err),
    retriesUntil: isoOf(pending.expirationTime),
  };
}

/** The last error while the injection is retried: worded as the workflow's own (HublifyUnavailable). */
export function pendingInjectionText(p: PendingInjection): string {
  const until = p.retriesUntil ? ` until ${p.retriesUntil}` : '';
  return `Hublify could not be reached: order_create failed ${p.failedAttempts} time(s), last: ${p.lastFailure}; order-relay tries again by itself${until}`;
}

/** True when the order may be in an injection Temporal retries: running, not in Hublify, no error recorded. */
export function mayBeInjecting(status: Pick<OrderStatus, 'hublify' | 'lastError' | 'stage'>): boolean {
  return status.hublify === null && status.lastError === null && status.stage !== 'NEEDS_ATTENTION';
}

/**
 * The status as support must see it: while Temporal retries order_create, the failed attempts count and
 * the last failure is the last error. The status is returned unchanged when nothing is being retried.
 */
export function withPendingInjection<S extends Pick<OrderStatus, 'attempts' | 'lastError'>>(
  status: S,
  pending: PendingInjection | undefined,
): S {
  if (!pending) return status;
  return {
    ...status,
    attempts: { ...status.attempts, inject: status.attempts.inject + pending.failedAttempts },
    lastError: status.lastError ?? pendingInjectionText(pending),
  };
}
