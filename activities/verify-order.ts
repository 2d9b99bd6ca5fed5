// Verify: the business checks an Apicbase order must pass before it is mapped and sent to Hublify.
// Pure (no I/O, no Temporal): every failed check becomes one reason, so the customer or support can
// fix everything at once. The zod schema in src/apicbase/order.ts has already checked the structure.
import type { ApicbaseOrder } from '../src/apicbase/order';
import { parseIsoDateTime } from '../workflows/iso-date-time';
import { findCustomer, type CustomerDirectory } from '../src/customers/directory';

export type VerifyResult = { ok: true } | { ok: false; reasons: string[] };

/** "12", "12.50", "0.005": no sign, no exponent, no blanks, digits on both sides of the point. */
export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && /^\d+(\.\d+)?$/.test(value);
}

/** A value quoted for a message, cut short so a huge field cannot flood a log line. */
function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}

const DECIMAL_HINT = 'it must be a plain decimal number such as "12.50"';
const DATETIME_EXAMPLE = '"2024-03-01T09:30:00Z"';

function checkPackages(order: ApicbaseOrder, reasons: string[]): void {
  if (order.packages.length === 0) {
    reasons.push('the order has no packages; at least one is required');
    return;
  }
  order.packages.forEach((pkg, i) => {
    const at = `packages[${i}]`;
    const quantity = pkg.quantity_ordered;
    if (!Number.isSafeInteger(quantity) || quantity <= 0) {
      reasons.push(`${at}.quantity_ordered is ${shown(quantity)}; it must be a positive whole number`);
    }
    const articleNumber = pkg.supplier_package.supplier_article_number;
    if (typeof articleNumber !== 'string' || articleNumber.trim() === '') {
      reasons.push(`${at}.supplier_package.supplier_article_number is empty; every package needs the supplier's article number`);
    }
    const price = pkg.supplier_package.theoretical_price_per_package;
    if (!isDecimalString(price)) reasons.push(`${at}.supplier_package.theoretical_price_per_package is ${shown(price)}; ${DECIMAL_HINT}`);
    if (!isDecimalString(pkg.total_theoretical_price)) {
      reasons.push(`${at}.total_theoretical_price is ${shown(pkg.total_theoretical_price)}; ${DECIMAL_HINT}`);
    }
  });
}

function checkDates(order: ApicbaseOrder, reasons: string[]): void {
  if (!parseIsoDateTime(order.ordered_on)) {
    reasons.push(`ordered_on is ${shown(order.ordered_on)}; it must be an ISO-8601 date and time such as ${DATETIME_EXAMPLE}`);
  }
  const expected = order.expected_delivery_date;
  if (expected !== null && expected !== undefined && !parseIsoDateTime(expected, { allowDateOnly: true })) {
    reasons.push(
      `expected_delivery_date is ${shown(expected)}; it must be an ISO-8601 date and time such as ${DATETIME_EXAMPLE} (or a date such as "2024-03-05")`,
    );
  }
}

export function verifyOrder(order: ApicbaseOrder, directory: CustomerDirectory): VerifyResult {
  const reasons: string[] = [];
  if (order.status !== 'ORDERED') {
    reasons.push(`status is ${shown(order.status)}; only orders with status "ORDERED" can be relayed`);
  }
  if (!findCustomer(directory, order.supplier_customer_number)) {
    reasons.push(`supplier_customer_number ${shown(order.supplier_customer_number)} is not set up as a customer location`);
  }
  checkDates(order, reasons);
  if (!isDecimalString(order.theoretical_price)) reasons.push(`theoretical_price is ${shown(order.theoretical_price)}; ${DECIMAL_HINT}`);
  checkPackages(order, reasons);
  return reasons.length ? { ok: false, reasons } : { ok: true };
}

/** One message for the customer, the webhook reply or support, listing every reason. */
export function describeRejection(reasons: readonly string[]): string {
  if (reasons.length === 0) return 'The order was rejected.';
  if (reasons.length === 1) return `The order was rejected: ${reasons[0]}.`;
  return `The order was rejected for ${reasons.length} reasons:\n${reasons.map((r, i) => `  ${i + 1}. ${r}`).join('\n')}`;
}
