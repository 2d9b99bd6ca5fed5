// Purchase orders the Apicbase sandbox places: shaped like section 3 of the "Receive Orders" guide,
// for a customer location of config/customers.example.json and articles the Hublify sandbox's
// catalogue knows, so a placed order can travel all the way to "shipped" on embedded defaults.
import { randomBytes, randomUUID } from 'node:crypto';
import type { ApicbaseOrder, ApicbasePackage } from '../../apicbase/order';

export const SAMPLE_ARTICLES = [
  { number: 'EK00001', name: 'Crème fraîche 30%', price: '12.50' },
  { number: 'PC0001', name: 'Weißwurst', price: '3.99' },
  { number: 'EK00002', name: 'Bio-Vollmilch 3,8%', price: '1.49' },
  { number: 'EK00003', name: 'Butter, mild gesäuert', price: '2.89' },
] as const;

export const SAMPLE_CUSTOMER = 'CUST-001';

function orderNumber(now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `PO-${day}-${randomBytes(3).toString('hex').toUpperCase()}`;
}

function money(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** A package for one of the sample articles. */
export function samplePackage(articleNumber: string, quantity: number): ApicbasePackage {
  const article = SAMPLE_ARTICLES.find((a) => a.number === articleNumber) ?? {
    number: articleNumber,
    name: articleNumber,
    price: '1.00',
  };
  const cents = Math.round(Number(article.price) * 100);
  return {
    stock_item: { name: article.name },
    supplier_package: { supplier_article_number: article.number, theoretical_price_per_package: article.price },
    quantity_ordered: quantity,
    total_theoretical_price: money(cents * quantity),
  };
}

/** A new order (unique id and number, ORDERED now, delivery in two days); `overrides` win. */
export function newSampleOrder(now: Date, overrides: Partial<ApicbaseOrder> = {}): ApicbaseOrder {
  const packages = overrides.packages ?? [samplePackage('EK00001', 2), samplePackage('PC0001', 10)];
  const total = packages.reduce((sum, p) => sum + Math.round(Number(p.total_theoretical_price) * 100), 0);
  return {
    id: randomUUID(),
    order_number: orderNumber(now),
    status: 'ORDERED',
    ordered_on: now.toISOString(),
    owned_by: { username: 'chef.müller' },
    order_remarks: 'Bitte bis 8 Uhr liefern',
    packages,
    expected_delivery_date: new Date(now.getTime() + 2 * 86_400_000).toISOString(),
    theoretical_price: Number.isFinite(total) ? money(total) : '0.00',
    supplier_customer_number: SAMPLE_CUSTOMER,
    ...overrides,
  };
}
