// Loads the customer directory (CUSTOMER_DIRECTORY_FILE) and looks customers up in it.
// A broken file is reported with every problem and its path, so it can be fixed in one go.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { customerDirectorySchema, type Customer, type CustomerDirectory } from './directory-schema';

export type { Address, Contact, Customer, CustomerDirectory, PriceMode } from './directory-schema';
export { DEFAULT_TIME_ZONE, PRICE_MODES, customerDirectorySchema, isValidTimeZone } from './directory-schema';

export class CustomerDirectoryError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid customer directory ${source}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CustomerDirectoryError';
  }
}

// A missing key reads better as "required" than zod's "expected string, received undefined".
const requiredMessage: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined;

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  return `${where}: ${issue.message}`;
}

/** Validates already-parsed JSON; `source` names it in the error (a file path, "test", …). */
export function parseCustomerDirectory(json: unknown, source = 'customer directory'): CustomerDirectory {
  const parsed = customerDirectorySchema.safeParse(json, { error: requiredMessage });
  if (!parsed.success) throw new CustomerDirectoryError(source, parsed.error.issues.map(describeIssue));
  return parsed.data;
}

function readDirectoryFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'file not found (set CUSTOMER_DIRECTORY_FILE to the customer directory JSON file)'
        : `cannot be read: ${(err as Error).message}`;
    throw new CustomerDirectoryError(file, [problem]);
  }
}

export function loadCustomerDirectory(file: string): CustomerDirectory {
  const raw = readDirectoryFile(file).replace(/^\uFEFF/, ''); // editors on Windows add a BOM
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new CustomerDirectoryError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseCustomerDirectory(json, file);
}

/** Own keys only: "constructor" or "toString" must not find Object.prototype's members. */
export function findCustomer(directory: CustomerDirectory, customerNumber: string): Customer | undefined {
  return Object.hasOwn(directory.customers, customerNumber) ? directory.customers[customerNumber] : undefined;
}
