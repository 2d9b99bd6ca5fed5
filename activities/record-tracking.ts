// Record: writes every stage change and shipment to the order record store (SQLite by default).
// Writes are idempotent, so Temporal may retry them freely.
import type { Shipment } from '../workflows/order-status';
import type { OrderStore, StageRecord } from '../src/store/order-store';

export function createRecordActivities(deps: { store: OrderStore }) {
  return {
    async recordStage(record: StageRecord): Promise<void> {
      await deps.store.recordStage(record);
    },
    async recordShipments(workflowId: string, shipments: Shipment[]): Promise<void> {
      await deps.store.recordShipments(workflowId, shipments);
    },
  };
}
