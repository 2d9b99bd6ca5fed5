// Brings a database up to the latest schema with Kysely's Migrator. Safe to run on every start:
// migrations already recorded in kysely_migration are skipped. The caller runs it inside
// StoreDatabase.inMigrationTransaction, which holds the lock and the one transaction.
// Or, for a reader that must not migrate (the CLI), checks that the schema is this code's.
import type { Kysely } from 'kysely';
import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Migration } from 'kysely';
import { migrations } from './migrations';

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Returns the names of the migrations this call applied (empty when already up to date). */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  available: Record<string, Migration> = migrations,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    disableTransactions: true,
    provider: { getMigrations: () => Promise.resolve(available) },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? '(before any migration ran)';
    const why = error instanceof Error ? error.message : 'see cause';
    throw new MigrationError(`order store migration ${failed} failed: ${why}`, { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The store's schema is not the one this code was written for; the store was left as it was. */
export class SchemaMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaMismatchError';
  }
}

/** Names of the migrations the database has run (none when Kysely's table is not there). */
async function executedMigrations<DB>(db: Kysely<DB>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === DEFAULT_MIGRATION_TABLE)) return [];
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db);
  return rows.map((r) => r.name);
}

/**
 * Throws SchemaMismatchError unless the database has run exactly the migrations `available` names. Changes
 * nothing: for a process that reads a store another one owns (the CLI and the relay's store), where a
 * newer CLI must not migrate an older relay's store under it.
 */
export async function requireCurrentSchema<DB>(
  db: Kysely<DB>,
  available: Record<string, Migration> = migrations,
): Promise<void> {
  const executed = new Set(await executedMigrations(db));
  const missing = Object.keys(available).filter((name) => !executed.has(name));
  const unknown = [...executed].filter((name) => !(name in available)).sort();
  if (!missing.length && !unknown.length) return;
  const problems = [
    ...(missing.length
      ? [
          `it lacks ${missing.join(', ')}: an older relay's store (a relay of this version migrates it when it starts; this command never migrates a store)`,
        ]
      : []),
    ...(unknown.length
      ? [
          `it has ${unknown.join(', ')}, unknown here: a newer relay's store (use the order-relay of the relay's version)`,
        ]
      : []),
  ];
  throw new SchemaMismatchError(`the order store's schema is not this order-relay's: ${problems.join('; ')}`);
}
