// Chooses the store's database from one setting: a postgres:// URL (DATABASE_URL) is PostgreSQL,
// anything else is a SQLite file (':memory:' for a throwaway one).
import { openPostgres } from './postgres-database';
import { openSqlite } from './sqlite-database';
import type { StoreDatabase } from './store-database';

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

export function openStoreDatabase(target: string): StoreDatabase {
  return isPostgresUrl(target) ? openPostgres(target) : openSqlite(target);
}

/** The target for logs and errors: a URL without its password. */
export function describeStoreTarget(target: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const url = new URL(target);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'a PostgreSQL URL that does not parse';
  }
}
