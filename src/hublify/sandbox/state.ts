// What the sandbox remembers: persons, orders (with the request bodies that made them), shipments,
// id counters and how often each verb was called. In memory, and also in a file when one is given
// (`npm start` keeps it in DATA_DIR): persist() writes it after each change.
import type { HublifyOrderData, HublifyShipment } from '../types';
import { readSandboxSnapshot, writeSandboxSnapshot, type SandboxSnapshot } from './state-file';

/** Hublify's German state names for the states the sandbox knows; other codes are their own name. */
export const STATE_NAMES: Readonly<Record<string, string>> = {
  received: 'Auftrag eingegangen',
  processing: 'In Bearbeitung',
  partially_shipped: 'Teilweise versendet',
  shipped: 'Versendet',
  cancelled: 'Storniert',
};

export const stateName = (code: string): string => STATE_NAMES[code] ?? code;

export interface SandboxPerson {
  personid: string;
  p_personid_external: string | null;
  fields: Record<string, unknown>;
}

export interface SandboxOrder {
  orderid: string;
  personid: string;
  o_orderid_external: string | null;
  order_state_code: string;
  order_state_name: string;
  /** When the state last changed (ISO 8601): what order_getList's transtime filter compares. */
  order_state_transtime: string;
  created_at: string;
  /** The order's fields now: as created, with product codes resolved, and with updates applied. */
  order: Record<string, unknown>;
  person: SandboxPerson;
  delivery_list: HublifyShipment[];
  /** The order_create body exactly as received. */
  request: unknown;
  /** Every accepted order_update body, in order. */
  updates: { at: string; request: unknown }[];
}

const hublifyId = (prefix: string, n: number): string => `${prefix}-${String(n).padStart(8, '0')}`;

export class SandboxState {
  private orders = new Map<string, SandboxOrder>();
  private orderidByExternal = new Map<string, string>();
  private persons = new Map<string, SandboxPerson>();
  private personidByExternal = new Map<string, string>();
  private lastPerson = 0;
  private lastOrder = 0;
  private lastShipment = 0;
  private counts: Record<string, number> = {};
  /**
   * At most this many rows in an order_getList answer (the rest silently left out, as a Hublify with a
   * pre-configured filter might); undefined = all. Set by SandboxControl.setListLimit for the sweep's tests.
   */
  listLimit: number | undefined;
  private createCalls = new Map<string, number>();

  /** `file`: where the orders are kept across restarts (read now, written by persist()); none: memory only. */
  constructor(private readonly file?: string) {
    const snapshot = file ? readSandboxSnapshot(file) : undefined;
    if (snapshot) this.restore(snapshot);
  }

  /**
   * Forgets orders, persons and counts. A sandbox kept in a file keeps its id counters, so an order a
   * relay still tracks never meets a new order with its id; one in memory starts its ids again.
   */
  reset(): void {
    this.orders = new Map();
    this.orderidByExternal = new Map();
    this.persons = new Map();
    this.personidByExternal = new Map();
    if (!this.file) {
      this.lastPerson = 0;
      this.lastOrder = 0;
      this.lastShipment = 0;
    }
    this.counts = {};
    this.createCalls = new Map();
    this.persist();
  }

  /** Writes the orders to the file, when there is one; called after every change. */
  persist(): void {
    if (this.file) writeSandboxSnapshot(this.file, this.snapshot());
  }

  private snapshot(): SandboxSnapshot {
    return {
      version: 1,
      lastPerson: this.lastPerson,
      lastOrder: this.lastOrder,
      lastShipment: this.lastShipment,
      persons: [...this.persons.values()],
      orders: [...this.orders.values()].map(({ person: _person, ...order }) => order),
    };
  }

  private restore(snapshot: SandboxSnapshot): void {
    for (const person of snapshot.persons) {
      this.persons.set(person.personid, person);
      if (person.p_personid_external) this.personidByExternal.set(person.p_personid_external, person.personid);
    }
    for (const stored of snapshot.orders) {
      const person = this.persons.get(stored.personid) ?? {
        personid: stored.personid,
        p_personid_external: null,
        fields: {},
      };
      const order: SandboxOrder = { ...stored, person };
      this.orders.set(order.orderid, order);
      if (order.o_orderid_external) this.orderidByExternal.set(order.o_orderid_external, order.orderid);
    }
    this.lastPerson = snapshot.lastPerson;
    this.lastOrder = snapshot.lastOrder;
    this.lastShipment = snapshot.lastShipment;
  }

  countRequest(verb: string): void {
    this.counts[verb] = (this.counts[verb] ?? 0) + 1;
  }

  /** Once the body is read: an order_create call received for this o_orderid_external. */
  countOrderCreate(orderidExternal: string): void {
    this.createCalls.set(orderidExternal, (this.createCalls.get(orderidExternal) ?? 0) + 1);
  }

  /** order_create calls received for an o_orderid_external: faulted, refused and duplicate ones included. */
  orderCreateCalls(orderidExternal: string): number {
    return this.createCalls.get(orderidExternal) ?? 0;
  }

  requestCounts(): Record<string, number> {
    return { ...this.counts };
  }

  nextShipmentSequence(): number {
    return ++this.lastShipment;
  }

  all(): SandboxOrder[] {
    return [...this.orders.values()];
  }

  /** By Hublify orderid or by o_orderid_external; when both are given, both must match. */
  find(filter: { orderid?: string; o_orderid_external?: string }): SandboxOrder | undefined {
    const { orderid, o_orderid_external: external } = filter;
    if (!orderid && !external) return undefined;
    const order = this.orders.get(orderid || this.orderidByExternal.get(external ?? '') || '');
    if (order && external && order.o_orderid_external !== external) return undefined;
    return order;
  }

  /** The control API's lookup: `id` is either kind of order id. */
  findById(id: string): SandboxOrder | undefined {
    return this.find({ orderid: id }) ?? this.find({ o_orderid_external: id });
  }

  /** Finds the person by p_personid_external (updating its fields) or creates one. */
  upsertPerson(fields: Record<string, unknown>): SandboxPerson {
    const external =
      typeof fields.p_personid_external === 'string' && fields.p_personid_external ? fields.p_personid_external : null;
    const known = external ? this.persons.get(this.personidByExternal.get(external) ?? '') : undefined;
    if (known) {
      Object.assign(known.fields, fields);
      return known;
    }
    const person: SandboxPerson = {
      personid: hublifyId('KCHN', ++this.lastPerson),
      p_personid_external: external,
      fields: { ...fields },
    };
    this.persons.set(person.personid, person);
    if (external) this.personidByExternal.set(external, person.personid);
    return person;
  }

  createOrder(input: {
    request: unknown;
    order: Record<string, unknown>;
    person: SandboxPerson;
    now: Date;
  }): SandboxOrder {
    const external =
      typeof input.order.o_orderid_external === 'string' && input.order.o_orderid_external
        ? input.order.o_orderid_external
        : null;
    const order: SandboxOrder = {
      orderid: hublifyId('ACHN', ++this.lastOrder),
      personid: input.person.personid,
      o_orderid_external: external,
      order_state_code: 'received',
      order_state_name: stateName('received'),
      order_state_transtime: input.now.toISOString(),
      created_at: input.now.toISOString(),
      order: input.order,
      person: input.person,
      delivery_list: [],
      request: input.request,
      updates: [],
    };
    this.orders.set(order.orderid, order);
    if (external) this.orderidByExternal.set(external, order.orderid);
    return order;
  }

  setState(order: SandboxOrder, code: string, at: Date): void {
    order.order_state_code = code;
    order.order_state_name = stateName(code);
    order.order_state_transtime = at.toISOString();
  }
}

/** What order_get answers for an order: the seed's fields, and delivery_list once there are shipments. */
export function orderData(order: SandboxOrder): HublifyOrderData {
  return {
    personid: order.personid,
    orderid: order.orderid,
    o_orderid_external: order.o_orderid_external,
    order_state_code: order.order_state_code,
    ...(order.delivery_list.length ? { delivery_list: structuredClone(order.delivery_list) } : {}),
  };
}

/**
 * What order_get answers: the seed's fields plus the "additional data" a Hublify system may return
 * (whose order it is and what it holds), which lets a caller tell its own order from another's.
 */
export function orderGetData(order: SandboxOrder): HublifyOrderData {
  const items = Array.isArray(order.order.orderitems) ? (order.order.orderitems as Record<string, unknown>[]) : [];
  return {
    ...orderData(order),
    p_personid_external: order.person.p_personid_external,
    orderitems: items.map((item) => ({ oi_pcode: item.oi_pcode, oi_quantity: item.oi_quantity ?? 1 })),
  };
}
