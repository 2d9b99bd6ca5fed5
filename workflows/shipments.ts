// Shipments from order_get's delivery_list that the workflow has not recorded yet. A shipment with a
// tracking code is known by it; one without (a carrier may send none) by its carrier, time and place
// in the list, so a second code-less parcel of the same carrier is still a new shipment.
import type { HublifyOrderData } from '../src/hublify/types';
import type { Shipment } from './order-status';

export function shipmentKey(s: Pick<Shipment, 'trackingCode'>): string {
  return s.trackingCode;
}

export function newShipments(data: HublifyOrderData, known: readonly Shipment[]): Shipment[] {
  const seen = new Set(known.map(shipmentKey));
  const out: Shipment[] = [];
  (data.delivery_list ?? []).forEach((d, index) => {
    const trackingCode = d.dv_extcode ?? `${d.shp_c_label ?? 'shipment'}-${d.dv_time_sent ?? 'untimed'}#${index + 1}`;
    if (seen.has(trackingCode)) return;
    seen.add(trackingCode);
    out.push({
      carrierLabel: d.shp_c_label ?? null,
      carrierName: d.shp_c_name ?? null,
      trackingCode,
      traceUrl: d.drvd_dv_trace_url ?? null,
      sentAt: d.dv_time_sent ?? null,
    });
  });
  return out;
}
