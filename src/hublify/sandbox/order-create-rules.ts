// order_create's checks: the mandatory address fields and order items, and the products they name.
// Every problem is reported, each as its own ERROR, worded as the seed words the one it shows.
import { missingMandatoryField } from '../message-texts';
import type { HublifyOrderFields, HublifyOrderItem } from '../types';
import type { ProductCatalogue } from './products';

const INVOICE_ADDRESS = [
  'invoice_street',
  'invoice_housenr',
  'invoice_zip',
  'invoice_town',
  'invoice_country',
] as const;
const PACKSTATION_STREETS = new Set(['packstation', 'postfiliale']);

const filled = (value: unknown): boolean => (typeof value === 'string' ? value.trim() !== '' : value != null);

export interface CheckedOrder {
  errors: string[];
  /** The items with oi_pcode resolved (also for pcode_external) and oi_quantity defaulted to 1. */
  items: HublifyOrderItem[];
}

export function checkOrderCreate(order: HublifyOrderFields, catalogue: ProductCatalogue): CheckedOrder {
  const errors: string[] = [];
  const missing = (field: string) => errors.push(missingMandatoryField(field));

  // A customer is named by a company or by first and last name.
  if (!filled(order.invoice_company)) {
    if (!filled(order.invoice_firstname)) missing('invoice_firstname');
    if (!filled(order.invoice_lastname)) missing('invoice_lastname');
  }
  for (const field of INVOICE_ADDRESS) if (!filled(order[field])) missing(field);

  // Packstation / Postfiliale: the station's number and the customer's DHL "Postnummer".
  if (typeof order.deliver_street === 'string' && PACKSTATION_STREETS.has(order.deliver_street.trim().toLowerCase())) {
    if (!filled(order.deliver_housenr)) missing('deliver_housenr');
    if (!filled(order.deliver_addrextra)) missing('deliver_addrextra');
  }

  const items: HublifyOrderItem[] = [];
  if (!order.orderitems?.length) missing('orderitems');
  for (const item of order.orderitems ?? []) {
    const product = item.oi_pcode
      ? catalogue.find(item.oi_pcode)
      : item.pcode_external
        ? catalogue.findExternal(item.pcode_external)
        : undefined;
    if (product)
      items.push({
        ...item,
        oi_pcode: product.pcode,
        oi_name: item.oi_name ?? product.name,
        oi_quantity: item.oi_quantity ?? 1,
      });
    else if (item.oi_pcode) errors.push(`Product "${item.oi_pcode}" not found.`);
    else if (item.pcode_external) errors.push(`Product with external code "${item.pcode_external}" not found.`);
    else missing('oi_pcode');
  }
  return { errors, items };
}
