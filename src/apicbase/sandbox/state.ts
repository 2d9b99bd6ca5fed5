// What the Apicbase sandbox remembers: purchase orders addressed to the supplier, with their
// `fetched_by_supplier` / `viewed_by_supplier` marks and the PATCH bodies received, and counters
// tests read (requests, throttled, expired tokens used, grants). In memory; the orders also in a file
// when one is given (`npm start` keeps it in DATA_DIR, as Apicbase keeps its orders across our restarts).
import { z } from 'zod';
import { readJsonStateFile, writeJsonStateFile } from '../../sandbox/json-state-file';
import { instantOf } from '../../../workflows/purchase-order-walk';
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
  /** DRF's OrderingFilter: fields separated by commas, `-` for descending (`ordered_on,id`). */
  ordering: z
    .string()
    .regex(/^-?(ordered_on|id)(,-?(ordered_on|id))*$/, 'fields: ordered_on, id (comma-separated, "-" for descending)')
    .optional(),
});

type SortKey = { field: 'ordered_on' | 'id'; dir: 1 | -1 };

/**
 * An order's `ordered_on` as the server reads it: ISO 8601 (offset-less = UTC), else whatever
 * Date.parse makes of it (a server reads its own format); -Infinity when nothing does.
 */
export function sandboxInstant(value: string): number {
  const strict = instantOf(value);
  if (strict !== undefined) return strict;
  const lenient = Date.parse(value);
  return Number.isNaN(lenient) ? -Infinity : lenient;
}

const ordersSnapshotSchema = z.object({
  version: z.literal(1),
  orders: z.array(
    z.object({
      order: apicbaseOrderSchema,
      fetched_by_supplier: z.boolean(),
      viewed_by_supplier: z.boolean(),
      patches: z.array(z.object({ at: z.string(), body: z.unknown() })),
      placedVia: z.enum(['webhook', 'pull']),
    }),
  ),
});

export class ApicbaseSandboxStateFileError extends Error {
  override readonly name = 'ApicbaseSandboxStateFileError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`The Apicbase sandbox's state file ${file} ${problem}; move it away to start with an empty sandbox`);
  }
}

export class SandboxOrders {
  private readonly byId = new Map<string, SandboxPurchaseOrder>();

  /** `file`: where the orders are kept across restarts (read now, written by changed()); none: memory only. */
  constructor(private readonly file?: string) {
    const snapshot = file
      ? readJsonStateFile(file, ordersSnapshotSchema, (f, problem) => new ApicbaseSandboxStateFileError(f, problem))
      : undefined;
    for (const entry of snapshot?.orders ?? []) this.byId.set(entry.order.id, entry);
  }

  /** Keeps the orders in the file, if any: called after every change (an order added, its status or marks changed). */
  changed(): void {
    if (this.file)
      writeJsonStateFile(this.file, { version: 1, orders: this.all() } satisfies z.input<typeof ordersSnapshotSchema>);
  }

  add(order: ApicbaseOrder, placedVia: 'webhook' | 'pull'): SandboxPurchaseOrder {
    const parsed = apicbaseOrderSchema.parse(order);
    if (this.byId.has(parsed.id)) throw new Error(`order id ${parsed.id} exists already`);
    const entry: SandboxPurchaseOrder = {
      order: parsed,
      fetched_by_supplier: false,
      viewed_by_supplier: false,
      patches: [],
      placedVia,
    };
    this.byId.set(parsed.id, entry);
    this.changed();
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
    this.changed();
  }

  /** Filtered and sorted like the API: newest first unless `ordering` says otherwise; ties by id. */
  query(q: z.infer<typeof listQuerySchema>): SandboxPurchaseOrder[] {
    const after = q.ordered_on__gt !== undefined ? sandboxInstant(q.ordered_on__gt) : undefined;
    const rows = this.all().filter(
      (e) =>
        (!q.status || e.order.status === q.status) &&
        (after === undefined || sandboxInstant(e.order.ordered_on) > after),
    );
    const keys: SortKey[] = (q.ordering ?? '-ordered_on')
      .split(',')
      .map((f) => ({ field: f.replace(/^-/, '') as SortKey['field'], dir: f.startsWith('-') ? -1 : 1 }));
    // A unique last key, as a database sorting on a primary key would have: pages are stable.
    if (!keys.some((k) => k.field === 'id')) keys.push({ field: 'id', dir: keys[0]?.dir ?? 1 });
    const compare = (a: SandboxPurchaseOrder, b: SandboxPurchaseOrder, k: SortKey): number => {
      if (k.field === 'id') return k.dir * a.order.id.localeCompare(b.order.id);
      const [ta, tb] = [sandboxInstant(a.order.ordered_on), sandboxInstant(b.order.ordered_on)];
      return ta === tb ? 0 : k.dir * (ta < tb ? -1 : 1);
    };
    return rows.sort((a, b) => keys.reduce((order, k) => order || compare(a, b, k), 0));
  }

  /** The list entry: the order as the webhook sends it, plus the two marks. */
  static listed(e: SandboxPurchaseOrder): Record<string, unknown> {
    return { ...e.order, fetched_by_supplier: e.fetched_by_supplier, viewed_by_supplier: e.viewed_by_supplier };
  }
}
