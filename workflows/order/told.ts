// What the Hublify sweep told the order (its statusChanged signal carries the row order_getList
// answered), taken in place of an order_get: a told order costs Hublify no call of its own. Only an
// answer that is surely ours and complete is taken — our Hublify id and external id, and shipments
// listed when the state is a shipped one (Hublify says field restrictions may apply to a list: a row
// without `delivery_list` is checked with order_get, as before). Decided when a run starts (patches.ts):
// a run started before the change asks order_get as before, until it continues as new.
import type { HublifyOrderData } from '../../src/hublify/types';
import type { OrderRun } from './order-run';

/** Patch: the sweep's data ends tracking without an order_get (issue 25). */
export const SWEEP_DATA_SPARES_ORDER_GET = 'sweep-data-spares-order-get';

/** The told row, when it can stand for an order_get answer. */
export function toldAnswer(run: OrderRun, told: HublifyOrderData | undefined): HublifyOrderData | undefined {
  const ref = run.status.hublify;
  if (!told || !ref || told.orderid !== ref.orderId) return undefined;
  if (told.o_orderid_external != null && told.o_orderid_external !== run.externalId) return undefined;
  if (run.settings.finalStates.includes(told.order_state_code) && !told.delivery_list) return undefined;
  return run.patches.has(SWEEP_DATA_SPARES_ORDER_GET) ? told : undefined;
}
