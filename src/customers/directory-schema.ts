// The customer directory's shape: one entry per Apicbase `supplier_customer_number`, holding what
// Hublify needs but Apicbase does not send (addresses, VAT rate, how to price the items).
// Parsed output is plain JSON data, because it is handed to Temporal activities.
import { z } from 'zod';

export const DEFAULT_TIME_ZONE = 'Europe/Berlin';

export const PRICE_MODES = ['omit', 'net', 'gross'] as const;
/**
 * - `omit`: send no prices; Hublify uses its catalogue prices.
 * - `net`: Apicbase prices exclude VAT; send brutto = net × (1 + vatPct/100).
 * - `gross`: Apicbase prices include VAT; send them as they are.
 */
export type PriceMode = (typeof PRICE_MODES)[number];

const text = z.string().regex(/\S/, 'must not be blank');
const optionalText = text.optional();

/** "19", "7.7", "0": a plain decimal, never a JSON number, so no binary rounding sneaks in. */
const vatPct = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,4})?$/, { error: 'must be a decimal string such as "19" or "7.7"', abort: true })
  .refine((value) => Number(value) <= 100, 'must not exceed 100');

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Hublify's invoice_* / deliver_* fields, without the prefix. */
export const addressSchema = z
  .strictObject({
    company: optionalText,
    gender: z.enum(['male', 'female', 'diverse', 'company']),
    firstname: optionalText,
    lastname: optionalText,
    addrextra: optionalText,
    street: text,
    housenr: text,
    zip: text,
    town: text,
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "DE"'),
  })
  .superRefine((address, ctx) => {
    // Someone must be named on the parcel: the company, or the person.
    if (address.gender === 'company' && address.company === undefined) {
      ctx.addIssue({ code: 'custom', path: ['company'], message: 'required when gender is "company"' });
    }
    if (address.gender !== 'company' && address.lastname === undefined) {
      ctx.addIssue({ code: 'custom', path: ['lastname'], message: `required when gender is "${address.gender}"` });
    }
  });

export const contactSchema = z.strictObject({
  email: z.email('must be an e-mail address').optional(),
  telephone: optionalText,
});

export const customerSchema = z.strictObject({
  name: text,
  invoice: addressSchema,
  /** Absent: deliver to the invoice address. */
  delivery: addressSchema.optional(),
  contact: contactSchema.optional(),
  vatPct,
  priceMode: z.enum(PRICE_MODES),
  /** Hublify `st_label` (shipping type), e.g. "standard". */
  shippingLabel: optionalText,
});

export const customerDirectorySchema = z.strictObject({
  /** JSON has no comments; this field is room for one and is otherwise ignored. */
  _comment: z.string().optional(),
  /** IANA zone for Hublify's naive "YYYY-MM-DD HH:mm:ss" timestamps. */
  timeZone: z
    .string()
    .refine(isValidTimeZone, 'must be an IANA time zone such as "Europe/Berlin"')
    .default(DEFAULT_TIME_ZONE),
  customers: z
    .record(z.string().min(1).max(127), customerSchema)
    .refine((customers) => Object.keys(customers).length > 0, 'must list at least one customer location'),
});

export type Address = z.infer<typeof addressSchema>;
export type Contact = z.infer<typeof contactSchema>;
export type Customer = z.infer<typeof customerSchema>;
export type CustomerDirectory = z.infer<typeof customerDirectorySchema>;
