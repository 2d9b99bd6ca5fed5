// Verify: the business checks an Apicbase order must pass before it is mapped and sent to Hublify.
// Pure (no I/O, no Temporal): every failed check becomes one reason, so the customer or support can
// fix everything at once. The zod schema in src/apicbase/order.ts has already checked the structure.
import type { ApicbaseOrder } from '../src/apicbase/order';
import { findCustomer, type CustomerDirectory } from '../src/customers/directory';

export type VerifyResult = { ok: true } | { ok: false; reasons: string[] };

/** "12", "12.50", "0.005": no sign, no exponent, no blanks, digits on both sides of the point. */
export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && /^\d+(\.\d+)?$/.test(value);
}

/** An ISO-8601 value: an instant, or (only where allowed) a calendar date without a time. */
export type IsoMoment = { kind: 'instant'; epochMs: number } | { kind: 'date'; date: string };

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0); // day 0 of the next month = last day of this one
  return d.getUTCDate();
}

function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0; // no offset: read as UTC, never server-local
  const [, sign, hh, mm] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) ?? [];
  const hours = Number(hh);
  const minutes = Number(mm ?? '0');
  if (hours > 23 || minutes > 59) return undefined;
  return (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * Strict ISO-8601 parsing (Date.parse accepts "March 7" and rolls 2024-02-30 over to March).
 * A date-time without an offset is read as UTC so the result never depends on the server's zone.
 */
export function parseIsoDateTime(value: string, options: { allowDateOnly?: boolean } = {}): IsoMoment | undefined {
  const m = ISO_8601.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, fraction, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hh === undefined) return options.allowDateOnly ? { kind: 'date', date: `${y}-${mo}-${d}` } : undefined;

  const hour = Number(hh);
  const minute = Number(mi);
  const second = Number(ss ?? '0');
  const offset = offsetMinutes(zone);
  if (hour > 23 || minute > 59 || second > 59 || offset === undefined) return undefined;
  const millis = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));

  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return { kind: 'instant', epochMs: date.getTime() - offset * 60_000 };
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
