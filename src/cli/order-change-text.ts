// How `orders list --needs-attention / --overdue` and `orders watch` show why an order is in its
// stage and since when, for a person reading a terminal.
import type { ExplainedOrderSummary } from '../operations/orders';
import type { OrderChange } from '../operations/watch-orders';

/** An ISO instant without its milliseconds: 2026-11-26T17:49:58Z. */
export const shortInstant = (iso: string | null | undefined): string | null => iso?.replace(/\.\d+Z$/, 'Z') ?? null;

/** "HublifyRejected: Hublify rejected the order: …", or what is known of it. */
export function whyText(o: ExplainedOrderSummary): string {
  if (o.statusUnavailable) return `(status unavailable: ${o.statusUnavailable})`;
  if (o.failureType && o.why) return `${o.failureType}: ${o.why}`;
  return o.failureType ?? o.why ?? '-';
}

/** One line per change: `17:50:02  PO-1001  CUST-001  VERIFIED → NEEDS_ATTENTION  since … · why`. */
export function changeLine(c: OrderChange): string {
  const time = c.seenAt.slice(11, 19);
  const stage = c.previousStage && c.previousStage !== c.stage ? `${c.previousStage} → ${c.stage}` : (c.stage ?? '?');
  const execution = c.execution === 'RUNNING' ? '' : ` [${c.execution}]`;
  const left = c.leftFilter ? ' (no longer matches the filters)' : '';
  const why = whyText(c);
  return `${time}  ${c.orderNumber ?? c.workflowId}  ${c.customerNumber ?? '?'}  ${stage}${execution}${left}  since ${shortInstant(c.since) ?? '?'}${why === '-' ? '' : `  · ${why}`}`;
}
