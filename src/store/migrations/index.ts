// Every migration, by name. Kysely runs them in name order and records each one it ran, so names
// never change once released; new migrations get the next number.
import type { Migration } from 'kysely';
import { createOrderTables } from './001-create-order-tables';

export const migrations: Record<string, Migration> = {
  '001-create-order-tables': createOrderTables,
};
