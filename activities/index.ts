// The order workflow's activities, built by a factory that receives their dependencies, so the worker
// passes real clients and tests pass sandboxes.
import type { CustomerDirectory } from '../src/customers/directory';
import type { HublifyClient } from '../src/hublify/client';
import type { BusinessMetrics } from '../src/observability/business-metrics';
import type { OrderStore } from '../src/store/order-store';
import type { ApicbaseOrder } from '../src/apicbase/order';
import { createCheckActivities, type CheckResult } from './check-order';
import { createEmailCustomerActivities, type CustomerEmailSettings } from './email-customer';
import { createInjectActivities } from './inject-order';
import { createNotifySupportActivities, type SupportNotifySettings } from './notify-support';
import { createRecordActivities, type StageChangeInput } from './record-tracking';
import { createTrackActivities } from './track-order';

export interface OrderActivityDeps {
  hublify: HublifyClient;
  /** A getter, so a reloaded directory is seen by the next activity without a worker restart. */
  customers: () => CustomerDirectory;
  store: OrderStore;
  /** Business metrics, counted as stages change (src/observability/business-metrics.ts). */
  metrics?: BusinessMetrics;
  /** Support notifications (NOTIFY_WEBHOOK_URL); absent = skipped. */
  notify?: SupportNotifySettings;
  /** Customer e-mail over SMTP (SMTP_URL); absent = skipped. */
  email?: CustomerEmailSettings;
}

export function createOrderActivities(deps: OrderActivityDeps) {
  const check = createCheckActivities(deps);
  const record = createRecordActivities(deps);
  return {
    ...check,
    ...createInjectActivities(deps),
    ...createTrackActivities(deps),
    ...record,
    /**
     * Verify and map, and when the order passes, record its VERIFIED stage in the same local activity:
     * the workflow answers the verdict after one local activity, not two (patch `verified-recorded-by-check`).
     */
    async checkOrderRecordingVerified(order: ApicbaseOrder, verified: StageChangeInput): Promise<CheckResult> {
      const result = await check.checkOrder(order);
      if (result.ok) await record.recordStage(verified);
      return result;
    },
    ...createNotifySupportActivities(deps),
    ...createEmailCustomerActivities(deps),
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
