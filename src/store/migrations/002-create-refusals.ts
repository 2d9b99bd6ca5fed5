// Refused orders (issue 26.2): every order the webhook answered 422 leaves one row, so support can look it
// up by its number. No personal data: the order number and Apicbase id, when, the workflow if one ran,
// and why as the failed checks' paths and codes (never the values).
import type { Kysely, Migration } from 'kysely';

// Migrations are frozen in time: they see the database as it was, not today's table types.
type AnyDb = Kysely<unknown>;

export const createRefusals: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('refusals')
      .addColumn('refusal_id', 'text', (c) => c.primaryKey())
      .addColumn('order_number', 'text')
      .addColumn('apicbase_id', 'text')
      .addColumn('refused_at', 'text', (c) => c.notNull())
      .addColumn('workflow_id', 'text')
      // JSON: [{ "path": "supplier_customer_number", "code": "unknown_customer" }, …]
      .addColumn('reasons', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('refusals_order_number_idx').on('refusals').column('order_number').execute();
    await db.schema.createIndex('refusals_apicbase_id_idx').on('refusals').column('apicbase_id').execute();
    await db.schema.createIndex('refusals_refused_at_idx').on('refusals').column('refused_at').execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropTable('refusals').execute();
  },
};
