// One `npm start` per data folder (issue 26.13). The process that runs the embedded Temporal dev server owns
// DATA_DIR (its SQLite, the sandboxes' files, the order records): it holds DATA_DIR/order-relay.lock while it
// runs. A second start on the same data finds the lock of a live process, says that order-relay already runs
// and where, and stops before it touches anything. A lock left by a process that died is taken over.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const START_LOCK_FILE = 'order-relay.lock';

const lockSchema = z.object({
  pid: z.number().int().positive(),
  startedAt: z.string(),
  /** Where the running order-relay answers; filled in once it runs. */
  where: z.array(z.string()).default([]),
});

export type StartLockInfo = z.infer<typeof lockSchema>;

/** Another live process holds the data folder. */
export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
  constructor(
    readonly lockFile: string,
    readonly holder: StartLockInfo,
  ) {
    const dataDir = path.dirname(lockFile);
    super(
      [
        `order-relay already runs on the data in ${dataDir} (pid ${holder.pid}, started ${holder.startedAt}); nothing was started or changed.`,
        ...holder.where.map((line) => `  ${line}`),
        'Use that one (npm run demo, npx order-relay …), stop it with Ctrl-C in its terminal, or start another with its own DATA_DIR and ports.',
        `(If no order-relay runs as pid ${holder.pid}, delete ${lockFile}.)`,
      ].join('\n'),
    );
  }
}

/** True when a process with this id runs (one we may not signal runs too). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): StartLockInfo | undefined {
  try {
    const parsed = lockSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface StartLock {
  readonly file: string;
  /** Records where this order-relay answers, for the message a second start prints. */
  describe(where: string[]): void;
  /** Removes the lock if it is still this process's. */
  release(): void;
}

/**
 * Takes DATA_DIR's start lock for this process, or throws AlreadyRunningError naming the live holder. Creates
 * nothing but the lock file (in a folder that must exist), and that only when no live process holds it.
 */
export function acquireStartLock(dataDir: string, now = new Date()): StartLock {
  const file = path.join(path.resolve(dataDir), START_LOCK_FILE);
  const mine: StartLockInfo = { pid: process.pid, startedAt: now.toISOString(), where: [] };
  const write = (info: StartLockInfo, flag: 'wx' | 'w') => {
    if (flag === 'wx') return writeFileSync(file, JSON.stringify(info), { flag, mode: 0o600 });
    // Replaced whole: a reader never sees half a lock.
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(info), { mode: 0o600 });
    renameSync(temporary, file);
  };
  try {
    write(mine, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = readLock(file);
    if (holder && holder.pid !== process.pid && alive(holder.pid)) throw new AlreadyRunningError(file, holder);
    // Left by a process that is gone (or unreadable): take it over.
    write(mine, 'w');
  }
  return {
    file,
    describe: (where) => {
      if (readLock(file)?.pid === process.pid) write({ ...mine, where }, 'w');
    },
    release: () => {
      if (readLock(file)?.pid !== process.pid) return;
      try {
        unlinkSync(file);
      } catch {
        // gone already
      }
    },
  };
}
