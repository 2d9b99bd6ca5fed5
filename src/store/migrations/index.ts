// Every migration, by name. Kysely runs them in name order and records each one it ran, so names
// never change once released; new migrations get the next number.
import type { Migration } from 'kysely';
import { createOrderTables } from './001-create-order-tables';
import { createRefusals } from './002-create-refusals';

export const migrations: Record<string, Migration> = {
  '001-create-order-tables': createOrderTables,
  '002-create-refusals': createRefusals,
};
