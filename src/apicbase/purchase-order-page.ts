// One page of Apicbase's purchase-order list, read defensively: the public docs do not confirm the
// envelope. Accepted: DRF's {count, next, previous, results}, the same with `data` or `items` for
// `results`, or a bare array. Each entry is checked on its own against the order schema, so one odd
// order cannot hide the others; entries that fail are reported, never dropped silently.
import { apicbaseOrderSchema, describeIssues, type ApicbaseOrder } from './order';

export interface ListedOrder {
  order: ApicbaseOrder;
  /** Apicbase's own bookkeeping flags, when the list shows them (undocumented: may be absent). */
  fetchedBySupplier?: boolean;
  viewedBySupplier?: boolean;
}

export interface InvalidListedOrder {
  /** The entry's id, when it has a usable one. */
  id: string | null;
  orderNumber: string | null;
  problems: string[];
}

export interface PurchaseOrderPage {
  orders: ListedOrder[];
  invalid: InvalidListedOrder[];
  /** Entries listed with another status than the one asked for (a server ignoring the filter). */
  otherStatus: number;
  /** The total the server reports, when it does. */
  count: number | null;
  /** Whether another page may follow. */
  hasNext: boolean;
  /** Every entry's id and `ordered_on` as listed, in list order (where a walk stands after the page). */
  listed: Array<{ id: string | null; orderedOn: string | null }>;
}

export class UnreadableEnvelopeError extends Error {
  constructor(what: string) {
    super(`unexpected purchase-order list envelope: ${what}`);
    this.name = 'UnreadableEnvelopeError';
  }
}

const ENTRY_KEYS = ['results', 'data', 'items'] as const;

export function parsePurchaseOrderPage(
  body: unknown,
  request: { page: number; pageSize: number; status: string },
): PurchaseOrderPage {
  let entries: unknown[];
  let count: number | null = null;
  let next: 'absent' | boolean = 'absent';
  if (Array.isArray(body)) {
    entries = body;
  } else if (body && typeof body === 'object') {
    const envelope = body as Record<string, unknown>;
    const key = ENTRY_KEYS.find((k) => Array.isArray(envelope[k]));
    if (!key)
      throw new UnreadableEnvelopeError(
        `an object without ${ENTRY_KEYS.join('/')} array (keys: ${Object.keys(envelope).slice(0, 10).join(', ') || 'none'})`,
      );
    entries = envelope[key] as unknown[];
    if (typeof envelope.count === 'number' && Number.isFinite(envelope.count)) count = envelope.count;
    if ('next' in envelope) next = typeof envelope.next === 'string' && envelope.next.length > 0;
  } else {
    throw new UnreadableEnvelopeError(body === null ? 'null' : typeof body);
  }

  const page: PurchaseOrderPage = {
    orders: [],
    invalid: [],
    otherStatus: 0,
    count,
    hasNext: false,
    listed: entries.map(listedEntry),
  };
  for (const entry of entries) {
    const parsed = apicbaseOrderSchema.safeParse(entry);
    if (!parsed.success) {
      const e = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
      page.invalid.push({
        id: listedEntry(entry).id,
        orderNumber: typeof e.order_number === 'string' ? e.order_number : null,
        problems: describeIssues(parsed.error),
      });
      continue;
    }
    if (parsed.data.status.toUpperCase() !== request.status.toUpperCase()) {
      page.otherStatus += 1;
      continue;
    }
    const flags = entry as Record<string, unknown>;
    page.orders.push({
      order: parsed.data,
      ...(typeof flags.fetched_by_supplier === 'boolean' ? { fetchedBySupplier: flags.fetched_by_supplier } : {}),
      ...(typeof flags.viewed_by_supplier === 'boolean' ? { viewedBySupplier: flags.viewed_by_supplier } : {}),
    });
  }

  // `next` is the best evidence; then the count; a full page without either may have a successor
  // (an empty or 404 page then ends the walk).
  if (next !== 'absent') page.hasNext = next;
  else if (count !== null) page.hasNext = request.page * request.pageSize < count;
  else page.hasNext = entries.length >= request.pageSize && entries.length > 0;
  return page;
}

function listedEntry(entry: unknown): { id: string | null; orderedOn: string | null } {
  const e = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
  return {
    id: typeof e.id === 'string' || typeof e.id === 'number' ? String(e.id) : null,
    orderedOn: typeof e.ordered_on === 'string' ? e.ordered_on : null,
  };
}
