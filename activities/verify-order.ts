// Verify: the business checks an Apicbase order must pass before it is mapped and sent to Hublify.
// Pure (no I/O, no Temporal): every failed check becomes one reason, so the customer or support can
// fix everything at once. The zod schema in src/apicbase/order.ts has already checked the structure.
import type { ApicbaseOrder } from '../src/apicbase/order';
import { parseIsoDateTime } from '../workflows/iso-date-time';
import { findCustomer, type CustomerDirectory } from '../src/customers/directory';

export type VerifyResult = { ok: true } | { ok: false; reasons: string[] };

/**
 * One failed check: the field (`path`), what is wrong with it (`code`), and the message for the customer.
 * The message may quote the value; path and code never do, so they are what a refusal record keeps.
 */
export interface VerifyIssue {
  path: string;
  code:
    | 'not_ordered'
    | 'unknown_customer'
    | 'no_packages'
    | 'not_positive_integer'
    | 'empty'
    | 'not_decimal'
    | 'not_datetime';
  message: string;
}

type Issues = VerifyIssue[];
const issue = (issues: Issues, path: string, code: VerifyIssue['code'], message: string) =>
  issues.push({ path, code, message });

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

function checkPackages(order: ApicbaseOrder, issues: Issues): void {
  if (order.packages.length === 0) {
    issue(issues, 'packages', 'no_packages', 'the order has no packages; at least one is required');
    return;
  }
  order.packages.forEach((pkg, i) => {
    const at = `packages[${i}]`;
    const quantity = pkg.quantity_ordered;
    if (!Number.isSafeInteger(quantity) || quantity <= 0) {
      issue(
        issues,
        `${at}.quantity_ordered`,
        'not_positive_integer',
        `${at}.quantity_ordered is ${shown(quantity)}; it must be a positive whole number`,
      );
    }
    const articleNumber = pkg.supplier_package.supplier_article_number;
    if (typeof articleNumber !== 'string' || articleNumber.trim() === '') {
      issue(
        issues,
        `${at}.supplier_package.supplier_article_number`,
        'empty',
        `${at}.supplier_package.supplier_article_number is empty; every package needs the supplier's article number`,
      );
    }
    const price = pkg.supplier_package.theoretical_price_per_package;
    if (!isDecimalString(price)) {
      issue(
        issues,
        `${at}.supplier_package.theoretical_price_per_package`,
        'not_decimal',
        `${at}.supplier_package.theoretical_price_per_package is ${shown(price)}; ${DECIMAL_HINT}`,
      );
    }
    if (!isDecimalString(pkg.total_theoretical_price)) {
      issue(
        issues,
        `${at}.total_theoretical_price`,
        'not_decimal',
        `${at}.total_theoretical_price is ${shown(pkg.total_theoretical_price)}; ${DECIMAL_HINT}`,
      );
    }
  });
}

function checkDates(order: ApicbaseOrder, issues: Issues): void {
  if (!parseIsoDateTime(order.ordered_on)) {
    issue(
      issues,
      'ordered_on',
      'not_datetime',
      `ordered_on is ${shown(order.ordered_on)}; it must be an ISO-8601 date and time such as ${DATETIME_EXAMPLE}`,
    );
  }
  const expected = order.expected_delivery_date;
  if (expected !== null && expected !== undefined && !parseIsoDateTime(expected, { allowDateOnly: true })) {
    issue(
      issues,
      'expected_delivery_date',
      'not_datetime',
      `expected_delivery_date is ${shown(expected)}; it must be an ISO-8601 date and time such as ${DATETIME_EXAMPLE} (or a date such as "2024-03-05")`,
    );
  }
}

/** Every failed check, with its path and code (an empty list: the order passes). */
export function verificationIssues(order: ApicbaseOrder, directory: CustomerDirectory): VerifyIssue[] {
  const issues: Issues = [];
  if (order.status !== 'ORDERED') {
    issue(
      issues,
      'status',
      'not_ordered',
      `status is ${shown(order.status)}; only orders with status "ORDERED" can be relayed`,
    );
  }
  if (!findCustomer(directory, order.supplier_customer_number)) {
    issue(
      issues,
      'supplier_customer_number',
      'unknown_customer',
      `supplier_customer_number ${shown(order.supplier_customer_number)} is not set up as a customer location`,
    );
  }
  checkDates(order, issues);
  if (!isDecimalString(order.theoretical_price))
    issue(
      issues,
      'theoretical_price',
      'not_decimal',
      `theoretical_price is ${shown(order.theoretical_price)}; ${DECIMAL_HINT}`,
    );
  checkPackages(order, issues);
  return issues;
}

export function verifyOrder(order: ApicbaseOrder, directory: CustomerDirectory): VerifyResult {
  const issues = verificationIssues(order, directory);
  return issues.length ? { ok: false, reasons: issues.map((i) => i.message) } : { ok: true };
}

/** One message for the customer, the webhook reply or support, listing every reason. */
export function describeRejection(reasons: readonly string[]): string {
  if (reasons.length === 0) return 'The order was rejected.';
  if (reasons.length === 1) return `The order was rejected: ${reasons[0]}.`;
  return `The order was rejected for ${reasons.length} reasons:\n${reasons.map((r, i) => `  ${i + 1}. ${r}`).join('\n')}`;
}
