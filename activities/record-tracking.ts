// Record: writes every stage change and shipment to the order record store (SQLite by default).
// Writes are idempotent, so Temporal may retry them freely. Every stage change is also a structured
// log line (with the workflow id the SDK's activity logger adds, and the order number) and feeds the
// business metrics (src/observability/business-metrics.ts).
import { log } from '@temporalio/activity';
import type { Shipment } from '../workflows/order-status';
import type { OrderStore, StageRecord } from '../src/store/order-store';
import type { BusinessMetrics } from '../src/observability/business-metrics';

/** recordStage's input: the stored record, and what the metrics need to know about the change. */
export interface StageChangeInput extends StageRecord {
  /** The stage the order was in before (absent in workflows recorded before it was passed). */
  previousStage?: string | null;
  /** When the order was received: the workflow's start (ISO 8601). */
  receivedAt?: string | null;
  /** webhook, pull or support. */
  source?: string | null;
}

export function createRecordActivities(deps: { store: OrderStore; metrics?: BusinessMetrics }) {
  return {
    async recordStage(input: StageChangeInput): Promise<void> {
      const { previousStage, receivedAt, source, ...record } = input;
      await deps.store.recordStage(record);
      deps.metrics?.recordTransition({
        workflowId: record.workflowId,
        stage: record.stage,
        previousStage,
        at: record.at,
        receivedAt,
        source,
      });
      if (!previousStage || previousStage !== record.stage) {
        log.info('order stage changed', {
          orderNumber: record.orderNumber,
          apicbaseId: record.apicbaseId,
          customerNumber: record.customerNumber,
          stage: record.stage,
          previousStage: previousStage ?? null,
          hublifyOrderId: record.hublifyOrderId ?? null,
          hublifyState: record.hublifyState ?? null,
          detail: record.detail ?? null,
        });
      }
    },
    async recordShipments(workflowId: string, shipments: Shipment[]): Promise<void> {
      await deps.store.recordShipments(workflowId, shipments);
    },
  };
}
