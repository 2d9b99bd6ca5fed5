// Map: turns a verified Apicbase order plus its customer-directory entry into Hublify's order_create
// request. Pure (no I/O, no Temporal). Money is computed with decimal.js only; the one conversion
// to a JSON number happens on the final 2-decimal value, because Hublify's schema takes numbers.
import Decimal from 'decimal.js';
import type { ApicbaseOrder, ApicbasePackage } from '../src/apicbase/order';
import type { Address, Customer, PriceMode } from '../src/customers/directory';
import type { HublifyOrderCreateRequest, HublifyOrderItem, HublifyPersonFields } from '../src/hublify/types';
import { parseIsoDateTime } from '../workflows/iso-date-time';
import { isDecimalString } from './verify-order';

export interface MapOrderOptions {
  /** IANA zone in which Hublify reads its naive "YYYY-MM-DD HH:mm:ss" timestamps. */
  timeZone: string;
}

// Enough significant digits that multiplying two price-sized decimals is exact before the final rounding.
const Money = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_UP });

/** The single price including VAT, rounded half-up to cents; exact decimal arithmetic throughout. */
export function bruttoPrice(pricePerPackage: string, vatPct: string, mode: Exclude<PriceMode, 'omit'>): Decimal {
  if (!isDecimalString(pricePerPackage))
    throw new Error(`price ${JSON.stringify(pricePerPackage)} is not a decimal string`);
  const price = new Money(pricePerPackage);
  const brutto = mode === 'net' ? price.times(new Money(vatPct).plus(100)).dividedBy(100) : price;
  return brutto.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** An instant as Hublify's naive "YYYY-MM-DD HH:mm:ss" wall-clock time in `timeZone`. */
export function formatWallClock(epochMs: number, timeZone: string): string {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23', // never "24:00:00" at midnight
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const parts = format.formatToParts(new Date(epochMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

function instantOf(field: string, value: string): number {
  const moment = parseIsoDateTime(value);
  // verifyOrder rejects such orders; reaching this is a programming error, not bad input.
  if (moment?.kind !== 'instant')
    throw new Error(`${field} ${JSON.stringify(value)} is not an ISO-8601 date-time; verify the order first`);
  return moment.epochMs;
}

function expectedDeliveryText(value: string, timeZone: string): string {
  const moment = parseIsoDateTime(value, { allowDateOnly: true });
  if (!moment) return value; // verified orders never get here; keep the original text rather than lose it
  if (moment.kind === 'date') return moment.date;
  return `${formatWallClock(moment.epochMs, timeZone).slice(0, 16)} (${timeZone})`;
}

/** A readable comment for Hublify's order screen; absent parts are left out. */
export function orderComment(order: ApicbaseOrder, timeZone: string): string {
  const lines = [`Apicbase order ${order.order_number} (id ${order.id})`];
  const user = order.owned_by?.username.trim();
  if (user) lines.push(`Ordered by: ${user}`);
  if (order.expected_delivery_date)
    lines.push(`Expected delivery: ${expectedDeliveryText(order.expected_delivery_date, timeZone)}`);
  const remarks = order.order_remarks?.trim();
  if (remarks) lines.push(`Remarks: ${remarks}`);
  return lines.join('\n');
}

/** All ten prefixed fields, so Hublify never mixes in values of another address; absent parts are null. */
function addressFields<P extends 'invoice' | 'deliver'>(
  prefix: P,
  a: Address,
): Record<`${P}_${keyof Address}`, string | null> {
  const fields = {
    company: a.company ?? null,
    gender: a.gender,
    firstname: a.firstname ?? null,
    lastname: a.lastname ?? null,
    addrextra: a.addrextra ?? null,
    street: a.street,
    housenr: a.housenr,
    zip: a.zip,
    town: a.town,
    country: a.country,
  };
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${prefix}_${key}`, value])) as Record<
    `${P}_${keyof Address}`,
    string | null
  >;
}

function orderItem(pkg: ApicbasePackage, customer: Customer): HublifyOrderItem {
  const item: HublifyOrderItem = {
    oi_pcode: pkg.supplier_package.supplier_article_number,
    oi_name: pkg.stock_item.name,
    oi_type: 'product',
    oi_quantity: pkg.quantity_ordered,
  };
  if (customer.priceMode === 'omit') return item;
  const brutto = bruttoPrice(pkg.supplier_package.theoretical_price_per_package, customer.vatPct, customer.priceMode);
  return {
    ...item,
    oi_price_single_brutto: Number(brutto.toFixed(2)),
    oi_vat_pct: new Decimal(customer.vatPct).toNumber(),
  };
}

function personFields(order: ApicbaseOrder, customer: Customer): HublifyPersonFields {
  const person: HublifyPersonFields = { p_personid_external: order.supplier_customer_number };
  if (customer.contact?.email) person.email = customer.contact.email;
  if (customer.contact?.telephone) person.telephone = customer.contact.telephone;
  return person;
}

export function mapOrderToHublify(
  order: ApicbaseOrder,
  customer: Customer,
  opts: MapOrderOptions,
): HublifyOrderCreateRequest {
  return {
    fields: {
      person: personFields(order, customer),
      order: {
        o_orderid_external: order.order_number,
        o_time_ordered: formatWallClock(instantOf('ordered_on', order.ordered_on), opts.timeZone),
        o_comment: orderComment(order, opts.timeZone),
        ...(customer.shippingLabel ? { st_label: customer.shippingLabel } : {}),
        ...addressFields('invoice', customer.invoice),
        ...addressFields('deliver', customer.delivery ?? customer.invoice),
        orderitems: order.packages.map((pkg) => orderItem(pkg, customer)),
      },
    },
  };
}
