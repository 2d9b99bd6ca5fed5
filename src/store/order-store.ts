// The order record store: what happened to each order (stage history, Hublify ids, shipments),
// kept outside Temporal for reporting and support. Every write is idempotent because the
// activities that call it are retried: the same input twice leaves the same rows.
import { MigrationError, SchemaMismatchError, migrateToLatest, requireCurrentSchema } from './migrate';
import { describeStoreTarget, openStoreDatabase } from './open-store-database';
import { mergeOrderRow, normaliseInstant, type StageRecord } from './order-row';
import { randomUUID } from 'node:crypto';
import type { RefusalsTable, ShipmentRow } from './schema';
import type { StoreDatabase, StoreDb as Db } from './store-database';

export type { StageRecord } from './order-row';
export { ORDER_STORE_FILE_NAME, defaultOrderStoreFile } from './sqlite-database';
export { describeStoreTarget, isPostgresUrl } from './open-store-database';

/** A shipment as the workflow reads it from Hublify's delivery_list. */
export interface ShipmentRecord {
  carrierLabel: string | null;
  carrierName: string | null;
  /** Identifies the shipment within its order (recording it again updates it). */
  trackingCode: string;
  traceUrl: string | null;
  sentAt: string | null;
}

export interface StageChangeRecord {
  stage: string;
  at: string;
  detail: string | null;
}

export interface OrderRecord {
  workflowId: string;
  apicbaseId: string;
  orderNumber: string;
  customerNumber: string;
  hublifyOrderId: string | null;
  hublifyState: string | null;
  /** The latest stage by time. */
  stage: string;
  updatedAt: string;
  /** Oldest first. */
  stages: StageChangeRecord[];
  shipments: ShipmentRecord[];
}

/** Why an order was refused, without the value: `packages[0].supplier_package.theoretical_price_per_package` / `not_decimal`. */
export interface RefusalReason {
  path: string;
  code: string;
}

/** An order the webhook answered 422 (issue 26.2): kept without personal data so support can look it up. */
export interface RefusalRecord {
  orderNumber: string | null;
  apicbaseId: string | null;
  refusedAt: string;
  /** The workflow that verified and rejected it; null when none was started (e.g. an unknown customer). */
  workflowId: string | null;
  reasons: RefusalReason[];
}

export interface RefusalFilters {
  /** Refused at or after. */
  since?: Date;
  /** Only refusals that started no workflow. */
  withoutWorkflow?: boolean;
  limit: number;
}

export interface OrderStore {
  /** Records a refused order (a new row every time: each refusal is an event). */
  recordRefusal(record: RefusalRecord): Promise<void>;
  /** The refusals of an order number or Apicbase id, newest first. */
  findRefusals(ref: string): Promise<RefusalRecord[]>;
  /** Refusals, newest first. */
  listRefusals(filters: RefusalFilters): Promise<RefusalRecord[]>;
  /** Upserts the order's row and adds the stage change (once per workflow, stage and `at`). */
  recordStage(record: StageRecord): Promise<void>;
  /** Adds shipments, or refreshes those already recorded under the same tracking code. */
  recordShipments(workflowId: string, shipments: readonly ShipmentRecord[]): Promise<void>;
  getOrder(workflowId: string): Promise<OrderRecord | undefined>;
  /** The order's latest stage (one row read), or undefined when the store has no record of it. */
  latestStage(workflowId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

async function insertStageChange(trx: Db, record: StageRecord, at: string): Promise<void> {
  const { last } = await trx
    .selectFrom('stage_changes')
    .select((eb) => eb.fn.max('seq').as('last'))
    .where('workflow_id', '=', record.workflowId)
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('stage_changes')
    .values({
      workflow_id: record.workflowId,
      stage: record.stage,
      at,
      detail: record.detail ?? null,
      seq: Number(last ?? 0) + 1,
    })
    .onConflict((oc) => oc.columns(['workflow_id', 'stage', 'at']).doNothing())
    .execute();
}

async function upsertOrderRow(trx: Db, record: StageRecord, at: string): Promise<void> {
  const existing = await trx
    .selectFrom('orders')
    .selectAll()
    .where('workflow_id', '=', record.workflowId)
    .executeTakeFirst();
  const row = mergeOrderRow(existing, { ...record, at });
  if (existing) {
    await trx.updateTable('orders').set(row).where('workflow_id', '=', record.workflowId).execute();
  } else {
    await trx.insertInto('orders').values(row).execute();
  }
}

function toShipmentRecord(row: ShipmentRow): ShipmentRecord {
  return {
    carrierLabel: row.carrier_label,
    carrierName: row.carrier_name,
    trackingCode: row.tracking_code,
    traceUrl: row.trace_url,
    sentAt: row.sent_at,
  };
}

/** By sending time (unknown last), then tracking code: stable whatever the database's NULL ordering. */
function byShipmentTime(a: ShipmentRecord, b: ShipmentRecord): number {
  if (a.sentAt !== b.sentAt) {
    if (a.sentAt === null) return 1;
    if (b.sentAt === null) return -1;
    return a.sentAt < b.sentAt ? -1 : 1;
  }
  return a.trackingCode < b.trackingCode ? -1 : a.trackingCode > b.trackingCode ? 1 : 0;
}

/** The most reasons a refusal record keeps (the first ones; the 422 itself lists them all). */
export const MAX_REFUSAL_REASONS = 20;

function toRefusalRecord(row: RefusalsTable): RefusalRecord {
  let reasons: RefusalReason[] = [];
  try {
    reasons = JSON.parse(row.reasons) as RefusalReason[];
  } catch {
    // A row written by hand; the rest of it still says when.
  }
  return {
    orderNumber: row.order_number,
    apicbaseId: row.apicbase_id,
    refusedAt: row.refused_at,
    workflowId: row.workflow_id,
    reasons,
  };
}

class KyselyOrderStore implements OrderStore {
  private closed = false;

  private readonly db: Db;

  constructor(private readonly database: StoreDatabase) {
    this.db = database.db;
  }

  async recordStage(record: StageRecord): Promise<void> {
    const at = normaliseInstant(record.at);
    await this.database.inWriteTransaction(record.workflowId, async (trx) => {
      await insertStageChange(trx, record, at);
      await upsertOrderRow(trx, record, at);
    });
  }

  async recordShipments(workflowId: string, shipments: readonly ShipmentRecord[]): Promise<void> {
    if (shipments.length === 0) return;
    await this.database.inWriteTransaction(workflowId, async (trx) => {
      // One statement per shipment: PostgreSQL refuses an upsert touching the same row twice.
      for (const s of shipments) {
        await trx
          .insertInto('shipments')
          .values({
            workflow_id: workflowId,
            carrier_label: s.carrierLabel ?? null,
            carrier_name: s.carrierName ?? null,
            tracking_code: s.trackingCode,
            trace_url: s.traceUrl ?? null,
            sent_at: s.sentAt ?? null,
          })
          .onConflict((oc) =>
            oc.columns(['workflow_id', 'tracking_code']).doUpdateSet((eb) => ({
              // Newer details win; a later answer that lacks a field does not erase it.
              carrier_label: eb.fn.coalesce('excluded.carrier_label', 'shipments.carrier_label'),
              carrier_name: eb.fn.coalesce('excluded.carrier_name', 'shipments.carrier_name'),
              trace_url: eb.fn.coalesce('excluded.trace_url', 'shipments.trace_url'),
              sent_at: eb.fn.coalesce('excluded.sent_at', 'shipments.sent_at'),
            })),
          )
          .execute();
      }
    });
  }

  async recordRefusal(record: RefusalRecord): Promise<void> {
    // Through the write transaction: its wait for another process's write lock does not block the event loop.
    await this.database.inWriteTransaction(`refusal:${record.apicbaseId ?? record.orderNumber ?? ''}`, (trx) =>
      this.insertRefusal(trx, record),
    );
  }

  private async insertRefusal(trx: Db, record: RefusalRecord): Promise<void> {
    await trx
      .insertInto('refusals')
      .values({
        refusal_id: randomUUID(),
        order_number: record.orderNumber,
        apicbase_id: record.apicbaseId,
        refused_at: normaliseInstant(record.refusedAt),
        workflow_id: record.workflowId,
        // Bounded: a signed but hostile body may fail thousands of checks, with deep paths.
        reasons: JSON.stringify(
          record.reasons
            .slice(0, MAX_REFUSAL_REASONS)
            .map(({ path, code }) => ({ path: path.slice(0, 200), code: code.slice(0, 60) })),
        ),
      })
      .execute();
  }

  async findRefusals(ref: string): Promise<RefusalRecord[]> {
    const rows = await this.db
      .selectFrom('refusals')
      .selectAll()
      .where((eb) => eb.or([eb('order_number', '=', ref), eb('apicbase_id', '=', ref)]))
      .orderBy('refused_at', 'desc')
      .limit(100)
      .execute();
    return rows.map(toRefusalRecord);
  }

  async listRefusals(filters: RefusalFilters): Promise<RefusalRecord[]> {
    let query = this.db.selectFrom('refusals').selectAll();
    if (filters.since) query = query.where('refused_at', '>=', filters.since.toISOString());
    if (filters.withoutWorkflow) query = query.where('workflow_id', 'is', null);
    const rows = await query.orderBy('refused_at', 'desc').limit(filters.limit).execute();
    return rows.map(toRefusalRecord);
  }

  async getOrder(workflowId: string): Promise<OrderRecord | undefined> {
    const row = await this.db.selectFrom('orders').selectAll().where('workflow_id', '=', workflowId).executeTakeFirst();
    if (!row) return undefined;
    const stages = await this.db
      .selectFrom('stage_changes')
      .select(['stage', 'at', 'detail'])
      .where('workflow_id', '=', workflowId)
      .orderBy('at')
      .orderBy('seq')
      .execute();
    const shipments = await this.db.selectFrom('shipments').selectAll().where('workflow_id', '=', workflowId).execute();
    return {
      workflowId: row.workflow_id,
      apicbaseId: row.apicbase_id,
      orderNumber: row.order_number,
      customerNumber: row.customer_number,
      hublifyOrderId: row.hublify_order_id,
      hublifyState: row.hublify_state,
      stage: row.stage,
      updatedAt: row.updated_at,
      stages,
      shipments: shipments.map(toShipmentRecord).sort(byShipmentTime),
    };
  }

  async latestStage(workflowId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('orders')
      .select('stage')
      .where('workflow_id', '=', workflowId)
      .executeTakeFirst();
    return row?.stage;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }
}

/**
 * Opens the store and migrates it. `target` is a PostgreSQL URL (DATABASE_URL: postgres://user:pass@host/db,
 * shared by every process) or a SQLite file, created if needed (':memory:' for a throwaway one).
 * Several processes may open the same store at once; the first one migrates, the others wait for it.
 * With `migrate: false` (the CLI, which reads the relay's store) nothing is changed: a store whose schema is
 * not this code's (an older or a newer relay's) is refused with a SchemaMismatchError.
 */
export async function openOrderStore(target: string, opts: { migrate?: boolean } = {}): Promise<OrderStore> {
  const database = openStoreDatabase(target);
  try {
    if (opts.migrate === false) await requireCurrentSchema(database.db);
    else await database.inMigrationTransaction((db) => migrateToLatest(db));
  } catch (err) {
    await database.db.destroy();
    if (err instanceof MigrationError || err instanceof SchemaMismatchError) throw err;
    // Which store could not be opened, without the password a URL may carry.
    throw new Error(`cannot open the order store at ${describeStoreTarget(target)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return new KyselyOrderStore(database);
}
