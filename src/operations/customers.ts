// `customers check` / GET /admin/customers/check: is the customer directory file valid?
import { CustomerDirectoryError, loadCustomerDirectory } from '../customers/directory';
import { OperationError } from './errors';

export interface CustomerCheck {
  file: string;
  valid: true;
  customers: number;
  customerNumbers: string[];
}

/** Validates the file as order-relay would at start-up; every problem is listed in the error. */
export function checkCustomerDirectory(file: string): CustomerCheck {
  try {
    const directory = loadCustomerDirectory(file);
    const customerNumbers = Object.keys(directory.customers).sort();
    return { file, valid: true, customers: customerNumbers.length, customerNumbers };
  } catch (err) {
    if (err instanceof CustomerDirectoryError) {
      throw new OperationError(
        'config',
        `the customer directory ${file} is invalid (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'})`,
        err.problems,
      );
    }
    throw err;
  }
}
