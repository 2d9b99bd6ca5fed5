// The order record store's tables as Kysely sees them (the migrations create them).
// Timestamps are ISO-8601 text, so the same columns work on SQLite and PostgreSQL.
import type { Insertable, Selectable } from 'kysely';

export interface OrdersTable {
  workflow_id: string;
  apicbase_id: string;
  order_number: string;
  customer_number: string;
  hublify_order_id: string | null;
  hublify_state: string | null;
  /** The stage of the latest (by `at`) stage change. */
  stage: string;
  /** `at` of that stage change (UTC ISO-8601). */
  updated_at: string;
}

export interface StageChangesTable {
  workflow_id: string;
  stage: string;
  at: string;
  detail: string | null;
  /** Recording order within a workflow: breaks ties between changes with the same `at`. */
  seq: number;
}

export interface ShipmentsTable {
  workflow_id: string;
  carrier_label: string | null;
  carrier_name: string | null;
  tracking_code: string;
  trace_url: string | null;
  sent_at: string | null;
}

/** An order the webhook refused (422): no personal data, only where and what kind of problem. */
export interface RefusalsTable {
  refusal_id: string;
  order_number: string | null;
  apicbase_id: string | null;
  /** UTC ISO-8601. */
  refused_at: string;
  /** The workflow that ran and rejected it, when one did. */
  workflow_id: string | null;
  /** JSON array of { path, code }. */
  reasons: string;
}

export interface OrderStoreTables {
  orders: OrdersTable;
  stage_changes: StageChangesTable;
  shipments: ShipmentsTable;
  refusals: RefusalsTable;
}

export type OrderRow = Selectable<OrdersTable>;
export type NewOrderRow = Insertable<OrdersTable>;
export type StageChangeRow = Selectable<StageChangesTable>;
export type ShipmentRow = Selectable<ShipmentsTable>;
