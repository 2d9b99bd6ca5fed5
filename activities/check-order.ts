// Verify and map as activities: they read the customer directory (configuration outside the
// workflow). A failed check is a non-retryable `OrderRejected` listing every reason.
import { ApplicationFailure } from '@temporalio/activity';
import type { ApicbaseOrder } from '../src/apicbase/order';
import { findCustomer, type CustomerDirectory } from '../src/customers/directory';
import type { HublifyOrderCreateRequest } from '../src/hublify/types';
import { mapOrderToHublify } from './map-order';
import { verifyOrder as checkOrder } from './verify-order';

/** checkOrder's answer: a rejection is a value (the workflow decides what it means), not a failure. */
export type CheckResult = { ok: true; request: HublifyOrderCreateRequest } | { ok: false; reasons: string[] };

export function createCheckActivities(deps: { customers: () => CustomerDirectory }) {
  return {
    /**
     * Verify and map in one step (run as a local activity: no server round trip). Pure over the order
     * and the customer directory as it is now, so a retry after support fixed the directory sees the fix.
     */
    checkOrder(order: ApicbaseOrder): Promise<CheckResult> {
      const directory = deps.customers();
      const verdict = checkOrder(order, directory);
      if (!verdict.ok) return Promise.resolve({ ok: false, reasons: verdict.reasons });
      const customer = findCustomer(directory, order.supplier_customer_number);
      if (!customer)
        return Promise.resolve({
          ok: false,
          reasons: [
            `supplier_customer_number "${order.supplier_customer_number}" is not set up as a customer location`,
          ],
        });
      return Promise.resolve({
        ok: true,
        request: mapOrderToHublify(order, customer, { timeZone: directory.timeZone }),
      });
    },

    // verifyOrder and mapOrder: the two steps as runs started before `order-workflow-v2` call them.
    // Pure and synchronous inside; a Promise outside, which is what workflows' activity types expect.
    verifyOrder(order: ApicbaseOrder): Promise<void> {
      const verdict = checkOrder(order, deps.customers());
      if (!verdict.ok) {
        throw ApplicationFailure.nonRetryable(
          `order ${order.order_number} rejected: ${verdict.reasons.join('; ')}`,
          'OrderRejected',
          verdict.reasons,
        );
      }
      return Promise.resolve();
    },

    mapOrder(order: ApicbaseOrder): Promise<HublifyOrderCreateRequest> {
      const directory = deps.customers();
      const customer = findCustomer(directory, order.supplier_customer_number);
      if (!customer) {
        // Verified a moment ago; the directory changed since. Support can fix it and retry.
        throw ApplicationFailure.nonRetryable(
          `supplier_customer_number "${order.supplier_customer_number}" is not set up as a customer location`,
          'OrderRejected',
          [`supplier_customer_number "${order.supplier_customer_number}" is not set up as a customer location`],
        );
      }
      return Promise.resolve(mapOrderToHublify(order, customer, { timeZone: directory.timeZone }));
    },
  };
}
