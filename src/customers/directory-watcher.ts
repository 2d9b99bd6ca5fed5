// The customer directory as the running relay uses it: loaded at start-up (a broken file stops the
// start), then reloaded whenever its file changes, so "fix the customer directory, then retry" works
// without a restart (issue 11.6). An invalid edit is logged and kept aside: the relay goes on with the
// last good directory, and `doctor` shows the problem until the file is fixed.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { CustomerDirectoryError, loadCustomerDirectory, type CustomerDirectory } from './directory';

/** Where the live directory stands: what it uses, and why the file on disk is not it (if it is not). */
export interface CustomerDirectoryState {
  file: string;
  /** Customers in the directory in use. */
  customers: number;
  /** When the directory in use was loaded (ISO 8601). */
  loadedAt: string;
  /** The file's latest edit could not be used: when it was seen, and every problem. */
  rejectedEdit?: { at: string; problems: string[] };
}

export interface LiveCustomerDirectory {
  /** The directory in use now: the activities and the webhook read it through this getter on every order. */
  customers: () => CustomerDirectory;
  state: () => CustomerDirectoryState;
  /** Reads the file again now (the watcher calls it on every change). */
  reload: () => void;
  close: () => void;
}

export function watchCustomerDirectory(file: string, logger: Logger): LiveCustomerDirectory {
  let current = loadCustomerDirectory(file);
  let state: CustomerDirectoryState = {
    file,
    customers: Object.keys(current.customers).length,
    loadedAt: new Date().toISOString(),
  };

  const reload = () => {
    try {
      const next = loadCustomerDirectory(file);
      const changed = JSON.stringify(next) !== JSON.stringify(current);
      current = next;
      if (changed || state.rejectedEdit) {
        state = { file, customers: Object.keys(next.customers).length, loadedAt: new Date().toISOString() };
        logger.info({ file, customers: state.customers }, 'customer directory reloaded');
      }
    } catch (err) {
      const problems = err instanceof CustomerDirectoryError ? err.problems : [(err as Error).message];
      state = { ...state, rejectedEdit: { at: new Date().toISOString(), problems } };
      logger.error(
        { file, problems },
        'customer directory edit is invalid: still using the last good one (run `order-relay customers check`)',
      );
    }
  };

  // The folder is watched, not the file: editors save by writing a new file and renaming it over.
  const name = path.basename(file);
  let watcher: FSWatcher | undefined = watch(path.dirname(file), { persistent: false }, (_event, changed) => {
    if (changed === null || changed === name) reload();
  });
  watcher.on('error', (err) =>
    logger.warn({ file, err: err.message }, 'cannot watch the customer directory any more: changes need a restart'),
  );

  return {
    customers: () => current,
    state: () => structuredClone(state),
    reload,
    close: () => {
      watcher?.close();
      watcher = undefined;
    },
  };
}
