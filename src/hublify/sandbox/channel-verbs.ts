// The channel-API verbs as the seed describes them: a request body in, a Hublify envelope out.
// No HTTP here (see channel-api.ts); Hublify answers HTTP 200 with `status:false` for refusals.
import { z } from 'zod';
import { HUBLIFY_ADDRESS_PARTS } from '../../../workflows/amend-validation';
import {
  alreadyInjected,
  fieldsNotAvailableForUpdate,
  fieldsUpdated,
  missingMandatoryField,
  ORDER_CHANGES_NO_LONGER_POSSIBLE,
  ORDER_NOT_FOUND,
} from '../message-texts';
import {
  hublifyOrderCreateRequestSchema,
  hublifyOrderFilterSchema,
  hublifyOrderListFilterSchema,
  hublifyOrderUpdateRequestSchema,
  type HublifyEnvelope,
  type HublifyMessage,
  type HublifyVerb,
} from '../types';
import { checkOrderCreate } from './order-create-rules';
import type { ProductCatalogue } from './products';
import { orderData, orderGetData, type SandboxState } from './state';
import { parseTranstimeSearch } from './transtime-filter';

/** Once an order is in one of these states, order_update refuses every change. */
export const LOCKED_STATES: ReadonlySet<string> = new Set(['shipped', 'partially_shipped', 'cancelled']);

/** What order_update may change; anything else is refused with a WARNING. */
export const UPDATABLE_FIELDS = {
  order: new Set([...HUBLIFY_ADDRESS_PARTS.flatMap((f) => [`invoice_${f}`, `deliver_${f}`]), 'o_comment']),
  person: new Set(['email', 'telephone', 'telephone_mobile', 'bday']),
} as const;

export interface VerbContext {
  state: SandboxState;
  catalogue: ProductCatalogue;
  now: () => Date;
}

type Verb = (ctx: VerbContext, body: unknown) => HublifyEnvelope;

const refuse = (...texts: string[]): HublifyEnvelope => ({
  status: false,
  msg: texts.map((text) => ({ type: 'ERROR', text })),
});

/** Turns a schema failure into Hublify-style texts naming the field. */
function invalidRequest(error: z.ZodError): HublifyEnvelope {
  return refuse(
    ...error.issues.map((issue) => {
      // fields.order.orderitems.0.oi_quantity -> orderitems.0.oi_quantity
      const path = issue.path.map(String);
      const field = (path[0] === 'fields' && path.length > 2 ? path.slice(2) : path).join('.') || 'request';
      return issue.input === undefined ? missingMandatoryField(field) : `Invalid value for field '${field}'`;
    }),
  );
}

const stats: Verb = () => ({ status: true });

const orderCreate: Verb = ({ state, catalogue, now }, body) => {
  const parsed = hublifyOrderCreateRequestSchema.safeParse(body);
  if (!parsed.success) return invalidRequest(parsed.error);
  const { order, person = {} } = parsed.data.fields;

  // A second inject of the same o_orderid_external: the seed's WARNING and the existing order's ids.
  const external = order.o_orderid_external;
  const existing = external ? state.find({ o_orderid_external: external }) : undefined;
  if (external && existing) {
    const { delivery_list: _shipments, ...ids } = orderData(existing);
    return {
      status: false,
      data: { ...ids, order_state_name: existing.order_state_name },
      msg: [{ type: 'WARNING', text: alreadyInjected(external) }],
    };
  }

  const { errors, items } = checkOrderCreate(order, catalogue);
  if (errors.length) return refuse(...errors);

  const created = state.createOrder({
    request: structuredClone(body),
    order: structuredClone({ ...order, orderitems: items }),
    person: state.upsertPerson(structuredClone(person)),
    now: now(),
  });
  return { status: true, data: orderData(created) };
};

const orderUpdate: Verb = ({ state, now }, body) => {
  const parsed = hublifyOrderUpdateRequestSchema.safeParse(body);
  if (!parsed.success) return invalidRequest(parsed.error);
  const { filter, fields } = parsed.data;

  const order = state.find(filter);
  if (!order) return refuse(ORDER_NOT_FOUND);
  if (LOCKED_STATES.has(order.order_state_code)) return refuse(ORDER_CHANGES_NO_LONGER_POSSIBLE);

  const msg: HublifyMessage[] = [];
  for (const entity of ['order', 'person'] as const) {
    const changes = Object.entries(fields[entity] ?? {});
    const allowed = changes.filter(([name]) => UPDATABLE_FIELDS[entity].has(name));
    const refused = changes.filter(([name]) => !UPDATABLE_FIELDS[entity].has(name)).map(([name]) => name);
    Object.assign(entity === 'order' ? order.order : order.person.fields, structuredClone(Object.fromEntries(allowed)));
    if (allowed.length)
      msg.push({
        type: 'OK',
        text: fieldsUpdated(
          entity,
          allowed.map(([name]) => name),
        ),
      });
    if (refused.length) msg.push({ type: 'WARNING', text: fieldsNotAvailableForUpdate(entity, refused) });
  }
  if (!msg.length) return refuse(missingMandatoryField('fields'));
  order.updates.push({ at: now().toISOString(), request: structuredClone(body) });
  return { status: true, msg };
};

const orderGet: Verb = ({ state }, body) => {
  const parsed = z.object({ filter: hublifyOrderFilterSchema }).safeParse(body);
  if (!parsed.success) return invalidRequest(parsed.error);
  const order = state.find(parsed.data.filter);
  return order ? { status: true, data: orderGetData(order) } : refuse(ORDER_NOT_FOUND);
};

const orderGetList: Verb = ({ state, now }, body) => {
  const parsed = z.object({ filter: hublifyOrderListFilterSchema.optional() }).safeParse(body ?? {});
  if (!parsed.success) return invalidRequest(parsed.error);
  const { order_state_code: code, order_state_transtime: transtime } = parsed.data.filter ?? {};

  const changedWithin = transtime ? parseTranstimeSearch(transtime.search, now()) : () => true;
  if (!changedWithin) return refuse(`Invalid value for field 'order_state_transtime'`);

  const matches = state
    .all()
    .filter((order) => code === undefined || order.order_state_code === code)
    .filter((order) => changedWithin(new Date(order.order_state_transtime)));
  return { status: true, data: matches.slice(0, state.listLimit ?? matches.length).map(orderData) };
};

export const VERBS: Readonly<Record<HublifyVerb, Verb>> = {
  stats,
  order_create: orderCreate,
  order_update: orderUpdate,
  order_get: orderGet,
  order_getList: orderGetList,
};

export const isVerb = (name: string): name is HublifyVerb => Object.hasOwn(VERBS, name);
