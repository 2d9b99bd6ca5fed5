// What Hublify was sent, for `orders show`: the invoice and delivery address, the items and the comment.
// The status query holds none of it (it is PII); the workflow's `request` query does, and for older runs
// its history: the mapped Hublify request (mapOrder's result, or the request carried into a continued
// run), with the changes of accepted `amend` updates applied. Payloads are decoded with the client's own
// data converter, so an encrypting payload codec on the client decodes them here and nowhere else.
// Printed to support's terminal or answered to an authorised admin caller, never logged.
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import type { HublifyOrderCreateRequest } from '../hublify/types';
import type { AmendRequest, AmendResult, OrderWorkflowInput } from '../../workflows/order-status';
import { HUBLIFY_ADDRESS_PARTS as ADDRESS_PARTS } from '../../workflows/amend-validation';
import { requestQuery } from '../../workflows/order-messages';
import type { OperationsContext } from './context';
import type { ResolvedOrder } from './orders';

export type Address = Partial<Record<(typeof ADDRESS_PARTS)[number], string>>;

export interface OrderAddresses {
  invoice: Address;
  deliver: Address;
}

/** How long the `request` query may take, as long as `show` waits for the status query. */
const REQUEST_QUERY_TIMEOUT_MS = 10_000;

type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

function pick(order: Record<string, unknown>, prefix: 'invoice' | 'deliver'): Address {
  const out: Address = {};
  for (const part of ADDRESS_PARTS) {
    const value = order[`${prefix}_${part}`];
    if (typeof value === 'string' && value !== '') out[part] = value;
  }
  return out;
}

/** One order item as Hublify was sent it. */
export interface SentItem {
  article: string | null;
  name: string | null;
  quantity: number | null;
  /** Gross unit price, when the customer's price mode sends one. */
  priceSingleBrutto?: number;
  vatPct?: number;
}

/** What Hublify was sent (amendments included). */
export interface SentToHublify {
  addresses: OrderAddresses;
  items: SentItem[];
  comment: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function itemsOf(fields: Record<string, unknown>): SentItem[] {
  const items = Array.isArray(fields.orderitems) ? (fields.orderitems as Array<Record<string, unknown>>) : [];
  return items.map((item) => ({
    article: text(item.oi_pcode) ?? text(item.pcode_external),
    name: text(item.oi_name),
    quantity: typeof item.oi_quantity === 'number' ? item.oi_quantity : null,
    ...(typeof item.oi_price_single_brutto === 'number' ? { priceSingleBrutto: item.oi_price_single_brutto } : {}),
    ...(typeof item.oi_vat_pct === 'number' ? { vatPct: item.oi_vat_pct } : {}),
  }));
}

/** The addresses, items and comment Hublify was sent, or undefined when the order was never mapped. */
export async function sentToHublify(ctx: OperationsContext, order: ResolvedOrder): Promise<SentToHublify | undefined> {
  const fields = await heldOrderFields(ctx, order);
  if (!fields) return undefined;
  return {
    addresses: { invoice: pick(fields, 'invoice'), deliver: pick(fields, 'deliver') },
    items: itemsOf(fields),
    comment: text(fields.o_comment),
  };
}

/** The Hublify order fields of the current run, or undefined when the order was never mapped. */
async function heldOrderFields(
  ctx: OperationsContext,
  order: ResolvedOrder,
): Promise<Record<string, unknown> | undefined> {
  // The workflow's own `request` query (runs since order-workflow-v2): what Hublify holds, amendments included.
  // A query needs a worker (for a closed run too: it replays the run): unanswered in time, the history is read.
  const held = await ctx.client
    .withDeadline(Date.now() + REQUEST_QUERY_TIMEOUT_MS, () => order.handle.query(requestQuery))
    .catch(() => undefined);
  if (held) return held.fields.order;
  // Runs from before it have no such query: read their history.
  const converter = ctx.client.options.loadedDataConverter;
  const decode = <T>(payloads: Payloads): Promise<T> =>
    decodeFromPayloadsAtIndex<T>(converter, 0, payloads?.payloads ?? []);
  const history = await order.handle.fetchHistory();
  const events = history.events ?? [];

  const mapScheduled = new Set<string>();
  let fields: Record<string, unknown> | undefined;
  const accepted = new Map<string, AmendRequest>();
  for (const event of events) {
    const id = String(event.eventId);
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      const input = await decode<OrderWorkflowInput>(started.input);
      if (input?.carried?.request) fields = { ...input.carried.request.fields.order };
    }
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'mapOrder') mapScheduled.add(id);
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && mapScheduled.has(String(completed.scheduledEventId))) {
      fields = { ...(await decode<HublifyOrderCreateRequest>(completed.result)).fields.order };
    }
    const amendAccepted = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (amendAccepted?.input?.name === 'amend' && amendAccepted.meta?.updateId) {
      accepted.set(amendAccepted.meta.updateId, await decode<AmendRequest>(amendAccepted.input.args));
    }
    const amendDone = event.workflowExecutionUpdateCompletedEventAttributes;
    const request = amendDone?.meta?.updateId ? accepted.get(amendDone.meta.updateId) : undefined;
    if (fields && request?.order && amendDone?.outcome?.success) {
      // What was applied: everything on a re-injection (the corrected request is kept even when Hublify
      // is still away), only what Hublify updated on an order_update.
      const result = await decode<AmendResult>(amendDone.outcome.success);
      for (const [key, value] of Object.entries(request.order)) {
        if (result.outcome === 'reinjected' || result.updated.includes(key)) fields[key] = value;
      }
    }
  }
  return fields;
}

/** "Company · Firstname Lastname · Street 1 · 12345 Town · DE" */
export function formatAddress(address: Address): string {
  const name = [address.firstname, address.lastname].filter(Boolean).join(' ');
  const street = [address.street, address.housenr].filter(Boolean).join(' ');
  const town = [address.zip, address.town].filter(Boolean).join(' ');
  return [address.company, name, address.addrextra, street, town, address.country].filter(Boolean).join(' · ') || '-';
}
