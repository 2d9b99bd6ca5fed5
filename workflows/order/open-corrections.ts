// Support's corrections that Hublify does not hold (issue 22 item 3, invariant I3): order_update refused
// them (Hublify cannot change order items at all) or could not send them. They stay in the order's status
// (carried across continue-as-new) and keep it NEEDS_ATTENTION until Hublify holds them: `retry` sends
// them again; a poll that finds them in Hublify (support changed the order there) closes them.
// Pure state, no SDK import: unit-tested with node:test alone (test/open-corrections.test.ts).
import type { HublifyOrderData } from '../../src/hublify/types';
import type { AmendRequest, OpenCorrections } from '../order-status';

/** Fields Hublify's order_update refuses whatever their value: only a change in Hublify itself applies them. */
export const NOT_UPDATABLE = ['orderitems'];

/** The part of an amendment that names `fields` (the note left out). */
export function correctionOf(req: AmendRequest, fields: readonly string[]): AmendRequest {
  const order = Object.fromEntries(Object.entries(req.order ?? {}).filter(([field]) => fields.includes(field)));
  return {
    ...(Object.keys(order).length ? { order } : {}),
    ...(req.orderitems && fields.includes('orderitems') ? { orderitems: req.orderitems } : {}),
  };
}

/** The fields a correction names. */
export function fieldsOf(update: AmendRequest): string[] {
  return [...Object.keys(update.order ?? {}), ...(update.orderitems ? ['orderitems'] : [])];
}

/** The open corrections with `fields` of `req` added (a later value of a field replaces the earlier one). */
export function withOpen(
  open: OpenCorrections | undefined,
  req: AmendRequest,
  fields: readonly string[],
  state: OpenCorrections['state'],
  why: string,
): OpenCorrections {
  const added = correctionOf(req, fields);
  const order = { ...open?.update.order, ...added.order };
  const orderitems = added.orderitems ?? open?.update.orderitems;
  const update: AmendRequest = {
    ...(Object.keys(order).length ? { order } : {}),
    ...(orderitems ? { orderitems } : {}),
  };
  return { fields: fieldsOf(update), update, state, why };
}

/** The open corrections without the fields Hublify now holds; undefined when none is left. */
export function withoutHeld(open: OpenCorrections | undefined, held: readonly string[]): OpenCorrections | undefined {
  if (!open) return undefined;
  const rest = open.fields.filter((f) => !held.includes(f));
  if (rest.length === 0) return undefined;
  return { ...open, fields: rest, update: correctionOf(open.update, rest) };
}

const itemKey = (item: Record<string, unknown>) =>
  `${String(item.oi_pcode ?? item.pcode_external)}×${Number(item.oi_quantity ?? 1)}`;

/** True when Hublify's order_get answer holds the corrected items (support changed them in Hublify). */
export function holdsItems(open: OpenCorrections | undefined, data: HublifyOrderData): boolean {
  const wanted = open?.update.orderitems;
  const held = (data as Record<string, unknown>).orderitems;
  if (!wanted || !Array.isArray(held)) return false;
  const key = (items: unknown[]) => items.map((i) => itemKey(i as Record<string, unknown>)).join(',');
  return key(held) === key(wanted);
}

/**
 * Why the order waits for support, naming every field Hublify does not hold and what to do.
 * `detail` may quote Hublify's texts (the encrypted status); `publicDetail` (store, logs) names fields only.
 */
export function openCorrectionsText(
  open: OpenCorrections,
  hublifyOrderId: string,
): { detail: string; publicDetail: string } {
  const fixedInHublify = open.fields.filter((f) => NOT_UPDATABLE.includes(f));
  const resendable = open.fields.filter((f) => !NOT_UPDATABLE.includes(f));
  const todo = [
    ...(fixedInHublify.length
      ? [
          `Hublify's order_update cannot change ${fixedInHublify.join(', ')}: change them in Hublify (order ${hublifyOrderId}) yourself, then send retry`,
        ]
      : []),
    ...(resendable.length ? [`retry sends ${resendable.join(', ')} again (order_update)`] : []),
  ].join('; ');
  const where = open.state === 'refused' ? 'refused by Hublify' : 'not sent (order_update failed)';
  const head = `corrections ${where}, not in Hublify order ${hublifyOrderId}: ${open.fields.join(', ')}`;
  return { detail: `${head} (${open.why}); ${todo}`, publicDetail: `${head}; ${todo}` };
}

/** The ending of the reason an order not yet in Hublify waits for support with, naming the corrections pending. */
export function pendingCorrectionsNote(fields: readonly string[]): string {
  return `; corrections pending, not in Hublify yet (the next attempt sends them): ${fields.join(', ')}`;
}

/** The last error while corrections are open: their text first, then `error` (a poll's own failure). */
export function lastErrorWith(
  open: OpenCorrections | undefined,
  hublifyOrderId: string | undefined,
  error: string | null,
): string | null {
  if (!open || !hublifyOrderId) return error;
  const text = openCorrectionsText(open, hublifyOrderId).detail;
  return error ? `${text}; ${error}` : text;
}
