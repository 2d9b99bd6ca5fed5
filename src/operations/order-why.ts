// Why an order is in its stage, and since when: what support asks first about a stuck or late order
// (`orders list --needs-attention`, `--overdue`, `orders watch`). Read from the workflow's status query.
import type { OrderStatus, StageChange } from '../../workflows/order-status';

export interface StageExplanation {
  /** When the order entered its current stage (a later entry of the same stage, e.g. a retry note, does not count). */
  since: string | null;
  /** The failure type (as the workflow names it in notifications), when the stage has one. */
  failureType: string | null;
  /** The reason in one line: the last error, or what the stage entry recorded. */
  why: string | null;
}

/**
 * The failure types of the workflow's reasons (workflows/order/texts.ts and order-run.ts word them; the status keeps
 * the text, not the type). A reason no pattern knows keeps its text, with no type.
 */
const FAILURE_TYPES: Array<[RegExp, string]> = [
  [/^Hublify rejected the order\b/, 'HublifyRejected'],
  [/^Hublify refused the channel token\b/, 'HublifyAuthRefused'],
  [/^another order holds this number in Hublify\b/, 'HublifyOrderNumberTaken'],
  [/^Hublify could not be reached\b/, 'HublifyUnavailable'],
  [/^order_get failed\b/, 'HublifyUnavailable'],
  [/^could not ask Hublify whether it has order\b/, 'HublifyUnavailable'],
  [/^order rejected\b/, 'OrderRejected'],
  [/^Hublify (does not know order|answered order_get for .* with another order)\b/, 'OrderNotFoundInHublify'],
  [/^the corrections \(.*\) did not reach Hublify\b/, 'AmendmentNotInHublify'],
  [/^corrections (refused by Hublify|not sent)\b/, 'AmendmentNotInHublify'],
];

export function failureTypeOf(reason: string | null | undefined): string | null {
  if (!reason) return null;
  return FAILURE_TYPES.find(([pattern]) => pattern.test(reason))?.[1] ?? null;
}

/** The first entry of the last unbroken run of `stage` at the end of the history. */
export function stageEntry(history: readonly StageChange[], stage: string): StageChange | undefined {
  let entry: StageChange | undefined;
  for (let i = history.length - 1; i >= 0 && history[i]!.stage === stage; i--) entry = history[i];
  return entry;
}

export function explainStage(
  status: Pick<OrderStatus, 'stage' | 'history' | 'lastError' | 'overdue'>,
): StageExplanation {
  const entry = stageEntry(status.history, status.stage);
  const since = entry?.at ?? null;
  // An overdue order is late whatever else happens (a poll failing meanwhile is not why it is overdue).
  if (status.stage === 'OVERDUE') return { since, failureType: 'DeliveryOverdue', why: entry?.detail ?? null };
  // The last error explains a stuck order; any other stage is explained by its stage entry.
  return { since, failureType: failureTypeOf(status.lastError), why: status.lastError ?? entry?.detail ?? null };
}
