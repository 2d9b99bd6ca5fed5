// Hublify channel API shapes (docs.hublify.io/docs-developer/channel-api/order-handling). Defined once for the client,
// the sandbox and the mapping. Field names are Hublify's own.
import { z } from 'zod';

export const hublifyOrderItemSchema = z.looseObject({
  oi_pcode: z.string().optional(),
  pcode_external: z.string().optional(),
  oi_name: z.string().optional(),
  oi_type: z.string().optional(),
  oi_quantity: z.number().int().positive().optional(),
  oi_price_single_brutto: z.number().optional(),
  oi_vat_pct: z.number().optional(),
  oi_code: z.string().optional(),
});

const addressFields = (prefix: 'invoice' | 'deliver') => ({
  [`${prefix}_company`]: z.string().nullable().optional(),
  [`${prefix}_gender`]: z.enum(['male', 'female', 'diverse', 'company']).nullable().optional(),
  [`${prefix}_firstname`]: z.string().nullable().optional(),
  [`${prefix}_lastname`]: z.string().nullable().optional(),
  [`${prefix}_addrextra`]: z.string().nullable().optional(),
  [`${prefix}_street`]: z.string().nullable().optional(),
  [`${prefix}_housenr`]: z.string().nullable().optional(),
  [`${prefix}_zip`]: z.string().nullable().optional(),
  [`${prefix}_town`]: z.string().nullable().optional(),
  [`${prefix}_country`]: z.string().nullable().optional(),
});

export const hublifyOrderFieldsSchema = z.looseObject({
  o_orderid_external: z.string().optional(),
  st_label: z.string().optional(),
  o_time_ordered: z.string().optional(),
  o_comment: z.string().optional(),
  ...addressFields('invoice'),
  ...addressFields('deliver'),
  orderitems: z.array(hublifyOrderItemSchema).optional(),
});

export const hublifyPersonFieldsSchema = z.looseObject({
  p_personid_external: z.string().max(127).optional(),
  email: z.string().optional(),
  telephone: z.string().optional(),
  telephone_mobile: z.string().optional(),
  bday: z.string().optional(),
});

export const hublifyOrderCreateRequestSchema = z.object({
  fields: z.looseObject({
    person: hublifyPersonFieldsSchema.optional(),
    order: hublifyOrderFieldsSchema,
    payment: z.looseObject({ pys_method: z.string().optional() }).optional(),
  }),
});

export const hublifyShipmentSchema = z.looseObject({
  shp_c_label: z.string().nullable().optional(),
  shp_c_name: z.string().nullable().optional(),
  dv_extcode: z.string().nullable().optional(),
  drvd_dv_trace_url: z.string().nullable().optional(),
  dv_time_sent: z.string().nullable().optional(),
  orderid: z.string().nullable().optional(),
  personid: z.string().nullable().optional(),
});

export const hublifyOrderDataSchema = z.looseObject({
  personid: z.string().nullable().optional(),
  orderid: z.string(),
  o_orderid_external: z.string().nullable().optional(),
  order_state_code: z.string(),
  order_state_name: z.string().nullable().optional(),
  delivery_list: z.array(hublifyShipmentSchema).nullable().optional(),
});

export const hublifyMessageSchema = z.looseObject({ type: z.string(), text: z.string() });

export type HublifyOrderItem = z.infer<typeof hublifyOrderItemSchema>;
export type HublifyOrderFields = z.infer<typeof hublifyOrderFieldsSchema>;
export type HublifyPersonFields = z.infer<typeof hublifyPersonFieldsSchema>;
export type HublifyOrderCreateRequest = z.infer<typeof hublifyOrderCreateRequestSchema>;
export type HublifyShipment = z.infer<typeof hublifyShipmentSchema>;
export type HublifyOrderData = z.infer<typeof hublifyOrderDataSchema>;
export type HublifyMessage = z.infer<typeof hublifyMessageSchema>;

// --- Request filters and the response envelope (added for the client and the sandbox) ---

/** Selects one order: the Hublify orderid or our own o_orderid_external. */
export const hublifyOrderFilterSchema = z.looseObject({
  orderid: z.string().optional(),
  o_orderid_external: z.string().optional(),
});

export const hublifyOrderListFilterSchema = z.looseObject({
  order_state_code: z.string().optional(),
  // e.g. "> -3days": orders whose state changed within the last three days
  order_state_transtime: z.looseObject({ search: z.string() }).optional(),
});

export const hublifyOrderUpdateRequestSchema = z.object({
  filter: hublifyOrderFilterSchema,
  fields: z.looseObject({
    order: z.record(z.string(), z.unknown()).optional(),
    person: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** Every channel-API answer: `status`, optional `data`, optional messages. */
export const hublifyEnvelopeSchema = z.looseObject({
  status: z.boolean(),
  data: z.unknown().optional(),
  msg: z.array(hublifyMessageSchema).nullable().optional(),
});

export type HublifyOrderFilter = z.infer<typeof hublifyOrderFilterSchema>;
export type HublifyOrderListFilter = z.infer<typeof hublifyOrderListFilterSchema>;
export type HublifyOrderUpdateRequest = z.infer<typeof hublifyOrderUpdateRequestSchema>;
export type HublifyEnvelope = z.infer<typeof hublifyEnvelopeSchema>;
export type HublifyVerb = 'stats' | 'order_create' | 'order_update' | 'order_get' | 'order_getList';
