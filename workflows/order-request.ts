// The order_create request as amendments change it. Pure, for the workflow.
import type { HublifyOrderCreateRequest } from '../src/hublify/types';
import type { AmendRequest } from './order-status';

/** The names an amendment changes: order fields, and `orderitems` for a new item list. */
export function amendedFieldNames(req: AmendRequest): string[] {
  return [...Object.keys(req.order ?? {}), ...(req.orderitems ? ['orderitems'] : [])];
}

/** The request with the amendment's fields (only those named in `accepted`, when given) applied. */
export function withAmendment(
  request: HublifyOrderCreateRequest,
  req: AmendRequest,
  accepted?: readonly string[],
): HublifyOrderCreateRequest {
  const keep = (field: string) => accepted === undefined || accepted.includes(field);
  const order = Object.fromEntries(Object.entries(req.order ?? {}).filter(([field]) => keep(field)));
  const items = req.orderitems && keep('orderitems') ? { orderitems: req.orderitems } : {};
  return { fields: { ...request.fields, order: { ...request.fields.order, ...order, ...items } } };
}

/** The current values of `fields` in the request: what an order_update sends. */
export function fieldValues(request: HublifyOrderCreateRequest, fields: Iterable<string>): Record<string, unknown> {
  const order = request.fields.order as Record<string, unknown>;
  return Object.fromEntries([...fields].map((field) => [field, order[field] ?? null]));
}
