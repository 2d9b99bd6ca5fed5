// The order record store on PostgreSQL (DATABASE_URL): one database shared by every API and worker
// process. Same tables, migrations and queries as SQLite; what SQLite's single write lock gives for
// free is asked for explicitly here, with advisory locks.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { OrderStoreTables } from './schema';
import type { StoreDatabase } from './store-database';

/** Key of the session-wide advisory lock held while migrating ("order-relay store migrations"). */
export const MIGRATION_LOCK_KEY = 7_161_770_001n;
/** First half of the two-key advisory lock taken per workflow id while writing its rows. */
export const ORDER_WRITE_LOCK_CLASS = 7_161_770;

export function openPostgres(url: string): StoreDatabase {
  const pool = new pg.Pool({ connectionString: url });
  // An idle connection that breaks (database restart) must not crash the process: the next query
  // gets a fresh connection, or fails with its own error.
  pool.on('error', () => undefined);
  const db = new Kysely<OrderStoreTables>({ dialect: new PostgresDialect({ pool }) });

  return {
    db,
    inWriteTransaction: (serialiseOn, fn) =>
      db.transaction().execute(async (trx) => {
        // Read-then-write of one order's rows (stage sequence, latest stage) must not interleave.
        await sql`select pg_advisory_xact_lock(${ORDER_WRITE_LOCK_CLASS}, hashtext(${serialiseOn}))`.execute(trx);
        return fn(trx);
      }),
    inMigrationTransaction: (fn) =>
      db.connection().execute(async (conn) => {
        // One transaction on one connection, so Kysely's own migration tables are created (or not) with the
        // migrations, and the lock wait covers them too.
        await sql`begin`.execute(conn);
        try {
          await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
          const result = await fn(conn as Kysely<unknown>);
          await sql`commit`.execute(conn);
          return result;
        } catch (err) {
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw err;
        }
      }),
  };
}
