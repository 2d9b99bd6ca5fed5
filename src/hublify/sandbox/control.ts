// The sandbox's control operations: what a Hublify operator (or warehouse) would do to an order, plus
// test helpers. One implementation, used by the /_sandbox HTTP routes and by in-process tests.
import { z } from 'zod';
import type { HublifyOrderData } from '../types';
import { faultSpecSchema, type FaultSchedule, type FaultSpec, type ScheduledFault } from './faults';
import { shipmentInputSchema, buildShipment } from './shipments';
import { orderData, type SandboxOrder, type SandboxState } from './state';
import { parseTime } from './time';
import type { WebhookNotifier } from './webhook';

const timeSchema = z
  .string()
  .refine((s) => parseTime(s) !== undefined, 'must be "YYYY-MM-DD HH:mm:ss" or an ISO 8601 time');

export const shipRequestSchema = z.object({
  /** Default: one DHL shipment with a generated tracking code. Shipments add to earlier ones. */
  shipments: z.array(shipmentInputSchema).optional(),
  /** True: state `partially_shipped`, more shipments to come; otherwise `shipped`. */
  partial: z.boolean().default(false),
});
export type ShipRequest = z.input<typeof shipRequestSchema>;

export const stateRequestSchema = z.object({
  state: z.string().min(1),
  /** When the state changed; default now. Lets tests place orders outside a getList time window. */
  at: timeSchema.optional(),
});
export type StateRequest = z.input<typeof stateRequestSchema>;

/** A control call that cannot be done; `httpStatus` is what the HTTP route answers. */
export class SandboxControlError extends Error {
  constructor(
    message: string,
    readonly httpStatus: 400 | 404,
  ) {
    super(message);
    this.name = 'SandboxControlError';
  }
}

export interface SandboxControlDeps {
  state: SandboxState;
  faults: FaultSchedule;
  webhook: WebhookNotifier;
  now: () => Date;
}

export class SandboxControl {
  constructor(private readonly deps: SandboxControlDeps) {}

  /** Every order with its stored request bodies (copies: changing them changes nothing). */
  orders(): SandboxOrder[] {
    return structuredClone(this.deps.state.all());
  }

  /** `id` is the Hublify orderid or the o_orderid_external. */
  order(id: string): SandboxOrder | undefined {
    const order = this.deps.state.findById(id);
    return order && structuredClone(order);
  }

  /** Adds shipments and moves the order to `shipped` (or `partially_shipped`); notifies the webhook. */
  ship(id: string, request: ShipRequest = {}): HublifyOrderData {
    const { shipments = [{}], partial } = parse(shipRequestSchema, request);
    const order = this.mustFind(id);
    const now = this.deps.now();
    for (const input of shipments) {
      order.delivery_list.push(buildShipment(input, order, this.deps.state.nextShipmentSequence(), now));
    }
    return this.changeState(order, partial ? 'partially_shipped' : 'shipped', now);
  }

  /** Moves the order to any state code, known or not; notifies the webhook. */
  setState(id: string, request: StateRequest | string): HublifyOrderData {
    const { state, at } = parse(stateRequestSchema, typeof request === 'string' ? { state: request } : request);
    const when = at === undefined ? this.deps.now() : (parseTime(at) ?? this.deps.now());
    return this.changeState(this.mustFind(id), state, when);
  }

  /** Forgets orders, persons, id counters, request counts and faults. */
  reset(): void {
    this.deps.state.reset();
    this.deps.faults.clear();
  }

  injectFault(spec: FaultSpec): ScheduledFault {
    return this.deps.faults.add(parse(faultSpecSchema, spec));
  }

  clearFaults(): void {
    this.deps.faults.clear();
  }

  faults(): ScheduledFault[] {
    return this.deps.faults.list();
  }

  /** Caps order_getList answers at `rows` rows, silently (undefined: no cap). */
  setListLimit(rows: number | undefined): void {
    this.deps.state.listLimit = rows;
  }

  /** Channel-API calls received per verb, faulted and refused ones included. */
  requestCounts(): Record<string, number> {
    return this.deps.state.requestCounts();
  }

  /** order_create calls received for an order (by o_orderid_external), faulted and duplicate ones included. */
  orderCreateCalls(orderidExternal: string): number {
    return this.deps.state.orderCreateCalls(orderidExternal);
  }

  /** Resolves once every webhook delivery triggered so far has finished. */
  webhooksSettled(): Promise<void> {
    return this.deps.webhook.settled();
  }

  private changeState(order: SandboxOrder, code: string, at: Date): HublifyOrderData {
    this.deps.state.setState(order, code, at);
    this.deps.state.persist();
    const data = orderData(order);
    this.deps.webhook.notify(data);
    return data;
  }

  private mustFind(id: string): SandboxOrder {
    const order = this.deps.state.findById(id);
    if (!order) throw new SandboxControlError(`No order ${JSON.stringify(id)} in the sandbox`, 404);
    return order;
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new SandboxControlError(z.prettifyError(parsed.error), 400);
  return parsed.data;
}
