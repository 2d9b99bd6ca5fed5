// Validates an `amend` update before the workflow accepts it (a rejected update leaves no history).
// Hand-written rather than zod so the workflow bundle stays small and obviously deterministic.
import type { AmendRequest } from './order-status';

/** The ten parts of a Hublify address; an order carries each as `invoice_<part>` and `deliver_<part>`. */
export const HUBLIFY_ADDRESS_PARTS = [
  'company',
  'gender',
  'firstname',
  'lastname',
  'addrextra',
  'street',
  'housenr',
  'zip',
  'town',
  'country',
] as const;
export const AMENDABLE_ORDER_FIELDS: readonly string[] = [
  ...HUBLIFY_ADDRESS_PARTS.map((f) => `invoice_${f}`),
  ...HUBLIFY_ADDRESS_PARTS.map((f) => `deliver_${f}`),
  'o_comment',
  'st_label',
];

export function validateAmendRequest(req: AmendRequest): void {
  const problems: string[] = [];
  if (typeof req !== 'object' || req === null)
    throw new Error('amend: expected an object with `order` and/or `orderitems`');
  const fields = Object.entries(req.order ?? {});
  if (fields.length === 0 && !req.orderitems) problems.push('nothing to change: give `order` fields or `orderitems`');
  for (const [key, value] of fields) {
    if (!AMENDABLE_ORDER_FIELDS.includes(key))
      problems.push(`order.${key} cannot be amended (allowed: ${AMENDABLE_ORDER_FIELDS.join(', ')})`);
    else if (value !== null && typeof value !== 'string') problems.push(`order.${key} must be a string or null`);
  }
  if (req.orderitems !== undefined) {
    if (!Array.isArray(req.orderitems) || req.orderitems.length === 0)
      problems.push('orderitems must be a non-empty list');
    else
      req.orderitems.forEach((item, i) => {
        if (!item.oi_pcode && !item.pcode_external) problems.push(`orderitems[${i}] needs oi_pcode or pcode_external`);
        if (item.oi_quantity !== undefined && !(Number.isInteger(item.oi_quantity) && item.oi_quantity > 0))
          problems.push(`orderitems[${i}].oi_quantity must be a positive integer`);
      });
  }
  if (problems.length) throw new Error(`amend rejected: ${problems.join('; ')}`);
}
