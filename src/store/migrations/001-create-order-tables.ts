// The order record store's first schema. Portable DDL only (text/integer columns, named
// constraints, no AUTOINCREMENT), so a PostgreSQL dialect can run the same migration.
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';

// Migrations are frozen in time: they see the database as it was, not today's table types.
type AnyDb = Kysely<unknown>;

export const createOrderTables: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('orders')
      .addColumn('workflow_id', 'text', (c) => c.primaryKey())
      .addColumn('apicbase_id', 'text', (c) => c.notNull())
      .addColumn('order_number', 'text', (c) => c.notNull())
      .addColumn('customer_number', 'text', (c) => c.notNull())
      .addColumn('hublify_order_id', 'text')
      .addColumn('hublify_state', 'text')
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('orders_order_number_idx').on('orders').column('order_number').execute();

    await db.schema
      .createTable('stage_changes')
      .addColumn('workflow_id', 'text', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addUniqueConstraint('stage_changes_workflow_stage_at_unique', ['workflow_id', 'stage', 'at'])
      .execute();

    await db.schema
      .createTable('shipments')
      .addColumn('workflow_id', 'text', (c) => c.notNull())
      .addColumn('carrier_label', 'text')
      .addColumn('carrier_name', 'text')
      .addColumn('tracking_code', 'text', (c) => c.notNull())
      .addColumn('trace_url', 'text')
      .addColumn('sent_at', 'text')
      .addUniqueConstraint('shipments_workflow_tracking_unique', ['workflow_id', 'tracking_code'])
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropTable('shipments').execute();
    await db.schema.dropTable('stage_changes').execute();
    await db.schema.dropTable('orders').execute();
  },
};
