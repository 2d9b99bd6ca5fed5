// How one stage change updates the orders row. Pure, so the rule is testable on its own:
// the row shows the latest stage by `at`, and a retried or late-arriving write never moves it back.
import type { NewOrderRow, OrderRow } from './schema';

/** What the workflow records at each stage (its `recordStage` activity input). */
export interface StageRecord {
  workflowId: string;
  apicbaseId: string;
  orderNumber: string;
  customerNumber: string;
  stage: string;
  /** ISO-8601 instant; stored normalised to UTC ("2024-03-01T09:30:00.000Z"). */
  at: string;
  detail?: string | null;
  hublifyOrderId?: string | null;
  hublifyState?: string | null;
}

/** UTC ISO form, so equal instants are equal strings and text order is time order. */
export function normaliseInstant(at: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new RangeError(`stage change time ${JSON.stringify(at)} is not an ISO-8601 instant`);
  return new Date(ms).toISOString();
}

/** The orders row after `record` (whose `at` is normalised) is applied to `existing`. */
export function mergeOrderRow(existing: OrderRow | undefined, record: StageRecord & { at: string }): NewOrderRow {
  const isLatest = !existing || record.at >= existing.updated_at;
  return {
    workflow_id: record.workflowId,
    apicbase_id: record.apicbaseId,
    order_number: record.orderNumber,
    customer_number: record.customerNumber,
    // A Hublify order id, once known, is never forgotten by a record that does not carry one.
    hublify_order_id: record.hublifyOrderId ?? existing?.hublify_order_id ?? null,
    hublify_state:
      (isLatest ? record.hublifyState : undefined) ?? existing?.hublify_state ?? record.hublifyState ?? null,
    stage: isLatest ? record.stage : existing.stage,
    updated_at: isLatest ? record.at : existing.updated_at,
  };
}
