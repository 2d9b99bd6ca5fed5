// One entry of order_get's `delivery_list`, built from what a test asked for and filled with
// DHL-like defaults (carrier label and name, an 18-character tracking code, the DHL trace URL).
import { z } from 'zod';
import type { HublifyShipment } from '../types';
import { formatHublifyTime, parseTime } from './time';

export const shipmentInputSchema = z.object({
  carrier: z.string().min(1).optional(),
  carrierName: z.string().optional(),
  /** null: the carrier gave no tracking code (a parcel without one is still a shipment). */
  trackingCode: z.string().min(1).nullable().optional(),
  traceUrl: z.string().optional(),
  sentAt: z
    .string()
    .refine((s) => parseTime(s) !== undefined, 'must be "YYYY-MM-DD HH:mm:ss" or an ISO 8601 time')
    .optional(),
});

export type ShipmentInput = z.input<typeof shipmentInputSchema>;

const CARRIERS: Record<string, { name: string; traceUrl: (code: string) => string }> = {
  dhl: {
    name: 'Deutsche Post DHL',
    traceUrl: (code) => `http://nolp.dhl.de/nextt-online-public/set_identcodes.do?lang=de&idc=${code}`,
  },
  dpd: { name: 'DPD', traceUrl: (code) => `https://tracking.dpd.de/status/de_DE/parcel/${code}` },
  ups: { name: 'UPS', traceUrl: (code) => `https://www.ups.com/track?tracknum=${code}` },
};

/** Like the seed's "12345678901234567C": 17 digits and a check letter, unique per sandbox run. */
export const trackingCode = (sequence: number): string => `00340434${String(sequence).padStart(9, '0')}C`;

export function buildShipment(
  input: z.output<typeof shipmentInputSchema>,
  owner: { orderid: string; personid: string },
  sequence: number,
  now: Date,
): HublifyShipment {
  const label = input.carrier ?? 'dhl';
  const carrier = CARRIERS[label.toLowerCase()];
  const code = input.trackingCode === null ? null : (input.trackingCode ?? trackingCode(sequence));
  const sentAt = input.sentAt === undefined ? now : (parseTime(input.sentAt) ?? now);
  return {
    shp_c_label: label,
    shp_c_name: input.carrierName ?? carrier?.name ?? label,
    dv_extcode: code,
    drvd_dv_trace_url: input.traceUrl ?? (code === null ? null : carrier?.traceUrl(code)) ?? null,
    dv_time_sent: formatHublifyTime(sentAt),
    orderid: owner.orderid,
    personid: owner.personid,
  };
}
