// What the Apicbase sandbox remembers: purchase orders addressed to the supplier, with their
// `fetched_by_supplier` / `viewed_by_supplier` marks and the PATCH bodies received, and counters
// tests read (requests, throttled, expired tokens used, grants). In memory only.
import { z } from 'zod';
import { apicbaseOrderSchema, type ApicbaseOrder } from '../order';

export interface SandboxStats {
  requests: { list: number; patch: number; token: number; authorize: number };
  /** API requests answered 429 by the rate limit. */
  throttled: number;
  /** API requests answered by a scheduled fault. */
  faulted: number;
  /** API requests refused 401 (no, unknown or expired token). */
  unauthorized: number;
  /** Of those, requests made with an expired access token. */
  expiredTokenUses: number;
  grants: { authorization_code: number; refresh_token: number };
}

export const newStats = (): SandboxStats => ({
  requests: { list: 0, patch: 0, token: 0, authorize: 0 },
  throttled: 0,
  faulted: 0,
  unauthorized: 0,
  expiredTokenUses: 0,
  grants: { authorization_code: 0, refresh_token: 0 },
});

export interface SandboxPurchaseOrder {
  order: ApicbaseOrder;
  fetched_by_supplier: boolean;
  viewed_by_supplier: boolean;
  patches: Array<{ at: string; body: unknown }>;
  placedVia: 'webhook' | 'pull';
}

/** Statuses the sandbox knows; "IN_PROGRESS" is an order whose webhook delivery failed ("not sent"). */
export const SANDBOX_STATUSES = ['IN_PROGRESS', 'ORDERED', 'DELIVERED'] as const;

export const listQuerySchema = z.object({
  status: z.string().optional(),
  ordered_on__gt: z.string().optional(),
  page: z.coerce.number().int().positive().default(1),
  page_size: z.coerce.number().int().positive().optional(),
  ordering: z.enum(['ordered_on', '-ordered_on']).optional(),
});

export class SandboxOrders {
  private readonly byId = new Map<string, SandboxPurchaseOrder>();

  add(order: ApicbaseOrder, placedVia: 'webhook' | 'pull'): SandboxPurchaseOrder {
    const parsed = apicbaseOrderSchema.parse(order);
    if (this.byId.has(parsed.id)) throw new Error(`order id ${parsed.id} exists already`);
    const entry: SandboxPurchaseOrder = { order: parsed, fetched_by_supplier: false, viewed_by_supplier: false, patches: [], placedVia };
    this.byId.set(parsed.id, entry);
    return entry;
  }

  get(idOrNumber: string): SandboxPurchaseOrder | undefined {
    return this.byId.get(idOrNumber) ?? [...this.byId.values()].find((e) => e.order.order_number === idOrNumber);
  }

  all(): SandboxPurchaseOrder[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
  }

  /** Filtered and sorted like the API: newest first unless `ordering=ordered_on`. */
  query(q: z.infer<typeof listQuerySchema>): SandboxPurchaseOrder[] {
    const after = q.ordered_on__gt ? Date.parse(q.ordered_on__gt) : undefined;
    const rows = this.all().filter(
      (e) => (!q.status || e.order.status === q.status) && (after === undefined || Date.parse(e.order.ordered_on) > after),
    );
    const dir = q.ordering === 'ordered_on' ? 1 : -1;
    // Ties broken by id so that pages are stable, as a database with a unique sort key would be.
    return rows.sort((a, b) => dir * (Date.parse(a.order.ordered_on) - Date.parse(b.order.ordered_on) || a.order.id.localeCompare(b.order.id)));
  }

  /** The list entry: the order as the webhook sends it, plus the two marks. */
  static listed(e: SandboxPurchaseOrder): Record<string, unknown> {
    return { ...e.order, fetched_by_supplier: e.fetched_by_supplier, viewed_by_supplier: e.viewed_by_supplier };
  }
}
