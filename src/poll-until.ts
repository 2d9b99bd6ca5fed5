// One "wait until" for the whole project: servers starting, orders reaching a stage, tests waiting on an
// event. Polling (not events) because what is awaited lives in another process or behind an API.
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

/** What `check` answers while the condition does not hold yet. */
export type NotYet = undefined | false;

export interface PollOptions {
  /** What is awaited, for the error ("the frontend listening"); a function is read when the error is made. */
  what: string | (() => string);
  /** How long to keep trying; the check is always tried at least once. */
  timeoutMs: number;
  /** The pause between tries (default 100 ms). */
  everyMs?: number;
  /** Asked before each try: a string means waiting is pointless (the process exited) and is thrown at once. */
  abortIf?: () => string | undefined;
  /** Added to the timeout error: what was seen last (a process's output, the last status). */
  detail?: () => string;
}

/** Thrown when the condition did not hold in time; `cause` is the check's last error, if any. */
export class PollTimeoutError extends Error {
  override readonly name = 'PollTimeoutError';
}

/**
 * Calls `check` every `everyMs` until it returns something other than `undefined` or `false`, and
 * returns that (a boolean check returns `true`). An exception from `check` counts as "not yet": it is
 * remembered for the timeout error and the check is tried again (a server not listening yet refuses
 * connections). After `timeoutMs` it throws a PollTimeoutError naming `what`, the timeout, the last
 * error's message and `detail()`.
 */
export async function pollUntil<T>(check: () => T | NotYet | Promise<T | NotYet>, opts: PollOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  const abortIfAsked = () => {
    const reason = opts.abortIf?.();
    if (reason !== undefined) throw new Error(reason, lastError === undefined ? undefined : { cause: lastError });
  };
  for (;;) {
    abortIfAsked();
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      abortIfAsked(); // a process that died meanwhile says more than the timeout
      throw new PollTimeoutError(
        timeoutMessage(opts, lastError),
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    await sleep(opts.everyMs ?? 100);
  }
}

function timeoutMessage(opts: PollOptions, lastError: unknown): string {
  const what = typeof opts.what === 'string' ? opts.what : opts.what();
  const last =
    lastError === undefined
      ? ''
      : ` (last error: ${lastError instanceof Error ? lastError.message : inspect(lastError)})`;
  const detail = opts.detail ? `; ${opts.detail()}` : '';
  return `timed out after ${opts.timeoutMs} ms waiting for ${what}${last}${detail}`;
}
