// Is Hublify's order under our o_orderid_external really this order? Hublify's duplicate answer gives
// only ids; order_get "might also" return more, depending on the system. Whatever it shows of the
// person (p_personid_external) and the items must match what we sent; what it does not show cannot
// contradict us.
import type { HublifyOrderCreateRequest, HublifyOrderData, HublifyOrderItem } from '../src/hublify/types';

const itemKey = (item: Pick<HublifyOrderItem, 'oi_pcode' | 'pcode_external' | 'oi_quantity'>): string =>
  `${item.oi_pcode ?? item.pcode_external ?? ''}×${item.oi_quantity ?? 1}`;

function sameItems(sent: HublifyOrderItem[], held: unknown): boolean {
  if (!Array.isArray(held)) return true;
  const a = sent.map(itemKey).sort();
  const b = (held as HublifyOrderItem[]).map(itemKey).sort();
  return a.length === b.length && a.every((key, i) => key === b[i]);
}

/**
 * Ours by identity (issue 22, I2): Hublify's order carries our o_orderid_external and, wherever Hublify
 * shows it, our person. Its content (items) may differ from any version we remember: that is a
 * correction to send, not another order.
 */
export function ourOrder(sent: HublifyOrderCreateRequest, held: HublifyOrderData): boolean {
  const external = sent.fields.order.o_orderid_external;
  if (held.o_orderid_external != null && held.o_orderid_external !== external) return false;
  const person = (held as { p_personid_external?: unknown }).p_personid_external;
  return !(typeof person === 'string' && person !== (sent.fields.person?.p_personid_external ?? null));
}

/** Ours by identity, and holding the items that `sent` sent (what runs before patch `duplicate-ours-by-identity` required). */
export function sameOrder(sent: HublifyOrderCreateRequest, held: HublifyOrderData): boolean {
  return (
    ourOrder(sent, held) && sameItems(sent.fields.order.orderitems ?? [], (held as { orderitems?: unknown }).orderitems)
  );
}
