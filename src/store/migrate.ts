// Brings a database up to the latest schema with Kysely's Migrator. Safe to run on every start:
// migrations already recorded in kysely_migration are skipped. The caller runs it inside
// StoreDatabase.inMigrationTransaction, which holds the lock and the one transaction.
import type { Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely';
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
