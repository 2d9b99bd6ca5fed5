// What the order record store needs from a database, whichever it is (SQLite or PostgreSQL):
// queries, a write transaction, and a migration transaction that several processes may start at once.
import type { Kysely } from 'kysely';
import type { OrderStoreTables } from './schema';

export type StoreDb = Kysely<OrderStoreTables>;

export interface StoreDatabase {
  db: StoreDb;
  /**
   * Runs `fn` as one transaction. Writers with the same `serialiseOn` key (a workflow id) run one
   * after another, also across processes, so a read-then-write inside `fn` never races.
   */
  inWriteTransaction: <T>(serialiseOn: string, fn: (trx: StoreDb) => Promise<T>) => Promise<T>;
  /**
   * Runs `fn` as one transaction holding the database-wide migration lock: processes starting
   * together migrate one after another (the later ones find nothing to do), and a failure leaves
   * nothing behind. Kysely's Migrator inside must not open its own transaction.
   */
  inMigrationTransaction: <T>(fn: (db: Kysely<unknown>) => Promise<T>) => Promise<T>;
}
