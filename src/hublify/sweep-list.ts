// The sweep's question to Hublify: which orders changed state in a window. order_getList's
// `order_state_transtime` is asked in its relative form ("> -3minutes", as the vendor's example
// "> -3days"), so neither side's clock zone matters; whole minutes, rounded up (a wider window only
// lists an order again). Hublify documents no page, no limit and no total, but says pre-configured
// filters may apply: an answer with HUBLIFY_LIST_LIMIT rows or more, or with a `total`/`count` above
// its rows, is taken as capped. The window has no upper bound to split it by, so a capped list is asked
// again once per state that ends tracking (shipped, cancelled…): those are the changes that must not be
// missed. If one of those is capped too, the listing is incomplete and the caller must not move its cursor.
import type { HublifyClient } from './client';
import type { HublifyOrderData } from './types';

export interface ChangedOrdersQuery {
  /** The window's start; its end is now. */
  from: Date;
  now: Date;
  /** Rows at or above which an answer is taken as capped. */
  listLimit: number;
  /** States asked one by one when the whole list is capped. */
  narrowStates: readonly string[];
}

export interface ChangedOrders {
  orders: HublifyOrderData[];
  search: string;
  listCalls: number;
  /** Set when the whole list was capped and asked per state. */
  narrowedTo?: string[];
  /** States whose own list was capped too: the listing missed changes. */
  cappedStates: string[];
}

/** "> -Nminutes": every change since `from`, in whole minutes rounded up (at least one). */
export function transtimeSearch(from: Date, now: Date): string {
  return `> -${Math.max(1, Math.ceil((now.getTime() - from.getTime()) / 60_000))}minutes`;
}

export async function listChangedOrders(
  hublify: Pick<HublifyClient, 'orderList'>,
  q: ChangedOrdersQuery,
): Promise<ChangedOrders> {
  const search = transtimeSearch(q.from, q.now);
  const capped = (a: { orders: unknown[]; total?: number }) =>
    a.orders.length >= q.listLimit || (a.total !== undefined && a.total > a.orders.length);
  const whole = await hublify.orderList({ order_state_transtime: { search } });
  if (!capped(whole)) return { orders: whole.orders, search, listCalls: 1, cappedStates: [] };

  const states = [...new Set(q.narrowStates)];
  const byId = new Map(whole.orders.map((o) => [o.orderid, o]));
  const cappedStates: string[] = [];
  for (const state of states) {
    const answer = await hublify.orderList({ order_state_code: state, order_state_transtime: { search } });
    if (capped(answer)) cappedStates.push(state);
    for (const order of answer.orders) byId.set(order.orderid, order);
  }
  return { orders: [...byId.values()], search, listCalls: 1 + states.length, narrowedTo: states, cappedStates };
}
