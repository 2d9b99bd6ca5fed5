// Refused orders (issue 26.2): every order the webhook answered 422 leaves a record in the order store,
// without personal data (order number, Apicbase id, when, the workflow if one ran, why as paths and
// codes). `orders show` finds one by its number, `orders list --stage REJECTED` lists those without a workflow.
import type { OrderStore, RefusalRecord } from '../store/order-store';

export type RefusalLookup = Pick<OrderStore, 'findRefusals' | 'listRefusals'>;

/** `orders show` of an order that was refused and started no workflow. */
export interface RefusedOrderDetails {
  orderNumber: string | null;
  apicbaseId: string | null;
  stage: 'REJECTED';
  /** No workflow was started for it. */
  workflowId: null;
  execution: 'NO_WORKFLOW';
  /** The latest refusal. */
  refusedAt: string;
  /** Every refusal of this order, newest first. */
  refusals: RefusalRecord[];
}

export function refusedOrderDetails(refusals: RefusalRecord[]): RefusedOrderDetails {
  const [latest] = refusals;
  if (!latest) throw new Error('no refusal');
  return {
    orderNumber: latest.orderNumber,
    apicbaseId: latest.apicbaseId,
    stage: 'REJECTED',
    workflowId: null,
    execution: 'NO_WORKFLOW',
    refusedAt: latest.refusedAt,
    refusals,
  };
}

/** "supplier_customer_number: unknown_customer; theoretical_price: not_decimal" */
export function refusalWhy(record: RefusalRecord): string {
  return record.reasons.map((r) => `${r.path}: ${r.code}`).join('; ') || 'refused';
}
