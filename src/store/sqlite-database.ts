// Opens the SQLite file behind the order record store (the embedded default; postgres-database.ts
// is the shared one). The only SQLite-specific module.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { OrderStoreTables } from './schema';
import type { StoreDatabase, StoreDb } from './store-database';

export const ORDER_STORE_FILE_NAME = 'orders.sqlite';

/** How long a write waits for another connection's write to finish before giving up. */
const WRITE_LOCK_WAIT_MS = 5_000;

/** Where the store lives unless told otherwise: `orders.sqlite` in the data folder (DATA_DIR). */
export function defaultOrderStoreFile(dataDir: string): string {
  return path.join(dataDir, ORDER_STORE_FILE_NAME);
}

/** Runs `fn` as one transaction that holds the (whole-file) write lock from its first statement. */
type WriteTransaction = <T>(fn: (db: StoreDb) => Promise<T>) => Promise<T>;

function isInMemory(file: string): boolean {
  return file === ':memory:' || file === '';
}

function isBusy(err: unknown): boolean {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('SQLITE_BUSY');
}

/**
 * Kysely's SQLite transactions start with a deferred BEGIN: a transaction that reads and then writes
 * fails at once with SQLITE_BUSY when another process wrote in between. BEGIN IMMEDIATE takes the
 * write lock up front instead. The wait for it is asynchronous (busy_timeout 0 plus retries) because
 * better-sqlite3 waits synchronously, which would also stall the lock holder if it is in this process.
 */
function sqliteWriteTransaction(sqlite: Database.Database, db: StoreDb): WriteTransaction {
  async function beginImmediate(conn: StoreDb): Promise<void> {
    const deadline = Date.now() + WRITE_LOCK_WAIT_MS;
    const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
    sqlite.pragma('busy_timeout = 0');
    try {
      for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
        try {
          await sql`begin immediate`.execute(conn);
          return;
        } catch (err) {
          if (!isBusy(err) || Date.now() >= deadline) throw err;
          await sleep(delay);
        }
      }
    } finally {
      sqlite.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  // connection(): the one SQLite connection is ours until the callback ends; other queries queue.
  return (fn) =>
    db.connection().execute(async (conn) => {
      await beginImmediate(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (err) {
        await sql`rollback`.execute(conn);
        throw err;
      }
    });
}

export function openSqlite(file: string): StoreDatabase {
  if (!isInMemory(file)) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file, { timeout: WRITE_LOCK_WAIT_MS });
  // WAL: readers (the HTTP API) do not block the worker's writes, nor it theirs.
  if (!isInMemory(file)) sqlite.pragma('journal_mode = WAL');
  const db = new Kysely<OrderStoreTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  const inWriteTransaction = sqliteWriteTransaction(sqlite, db);
  // The file's one write lock serialises every writer, and the migrations with them.
  return {
    db,
    inWriteTransaction: (_serialiseOn, fn) => inWriteTransaction(fn),
    inMigrationTransaction: (fn) => inWriteTransaction((conn) => fn(conn as Kysely<unknown>)),
  };
}
