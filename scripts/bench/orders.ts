// Bench orders: valid Apicbase orders (the tests' sample) with an order number unique in the run, so
// Hublify's o_orderid_external never collides (random 8-hex numbers would, among 10,000 orders).
import type { ApicbaseOrder } from '../../src/apicbase/order';
import { sampleOrder } from '../../test/helpers/sample-order';

export function benchOrder(runTag: string, n: number): ApicbaseOrder {
  return sampleOrder({ order_number: `PO-${runTag}-${n}` });
}
