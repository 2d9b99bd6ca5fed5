// What a describe()'s tests share (a test system, an Apicbase sandbox…): started in its before() hook,
// closed in its after() hook.
import { after, before } from 'node:test';

/**
 * Starts `start()` before the enclosing describe()'s tests and `close`s it after them. The value returned
 * stands for the started one (a test that reads it before the before() hook ran gets an error naming `what`).
 */
export function startedForTests<T extends object>(
  what: string,
  start: () => Promise<T>,
  close: (started: T) => Promise<void>,
): T {
  let started: T | undefined;
  before(async () => {
    started = await start();
  });
  after(async () => {
    if (started) await close(started);
  });
  return new Proxy({} as T, {
    get(_target, key) {
      if (!started) throw new Error(`${what} is used before its before() hook started it`);
      return Reflect.get(started, key, started) as unknown;
    },
  });
}
