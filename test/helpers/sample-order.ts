// Apicbase orders for tests, shaped like section 3 of the "Receive Orders" guide.
import { randomUUID } from 'node:crypto';
import type { ApicbaseOrder } from '../../src/apicbase/order';

export function sampleOrder(overrides: Partial<ApicbaseOrder> = {}): ApicbaseOrder {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    order_number: `PO-${id.slice(0, 8)}`,
    status: 'ORDERED',
    ordered_on: '2026-11-20T09:30:00+01:00',
    owned_by: { username: 'chef.müller' },
    order_remarks: 'Bitte bis 8 Uhr liefern',
    packages: [
      {
        stock_item: { name: 'Crème fraîche 30%' },
        supplier_package: { supplier_article_number: 'EK00001', theoretical_price_per_package: '12.50' },
        quantity_ordered: 2,
        total_theoretical_price: '25.00',
      },
      {
        stock_item: { name: 'Weißwurst' },
        supplier_package: { supplier_article_number: 'PC0001', theoretical_price_per_package: '3.99' },
        quantity_ordered: 10,
        total_theoretical_price: '39.90',
      },
    ],
    // Always a week ahead: a fixed date would make every sample order OVERDUE once it passed.
    expected_delivery_date: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    theoretical_price: '64.90',
    supplier_customer_number: 'CUST-001',
    ...overrides,
  };
}

/** An order whose only article Hublify does not know: order_create is refused (a business rejection). */
export function orderWithUnknownArticle(overrides: Partial<ApicbaseOrder> = {}): ApicbaseOrder {
  return sampleOrder({
    packages: [
      {
        stock_item: { name: 'Unbekannter Artikel' },
        supplier_package: { supplier_article_number: 'NO-SUCH-ITEM', theoretical_price_per_package: '1.00' },
        quantity_ordered: 1,
        total_theoretical_price: '1.00',
      },
    ],
    theoretical_price: '1.00',
    ...overrides,
  });
}
