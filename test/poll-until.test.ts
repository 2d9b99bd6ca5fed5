// The shared "wait until" (src/poll-until.ts): what it returns, retries, and says when it gives up.
// It tests the helper, not a system's timing: timeouts are short and no test asserts how long anything took.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pollUntil, PollTimeoutError } from '../src/poll-until';

void it('returns the first value that is neither undefined nor false; a boolean check returns true', async () => {
  let tries = 0;
  const answers = [undefined, false, 0, 5] as const;
  assert.equal(
    await pollUntil(() => answers[tries++], { what: 'a value', timeoutMs: 60_000, everyMs: 1 }),
    0,
    '0 is a value, not "not yet"',
  );
  assert.equal(tries, 3);

  let flips = 0;
  assert.equal(
    await pollUntil(() => Promise.resolve(++flips >= 3), { what: 'the third try', timeoutMs: 60_000, everyMs: 1 }),
    true,
  );
  assert.equal(flips, 3);
});

void it('remembers an exception from the check and tries again', async () => {
  let tries = 0;
  const value = await pollUntil(
    () => {
      if (++tries < 3) throw new Error('connection refused');
      return 'listening';
    },
    { what: 'the server', timeoutMs: 60_000, everyMs: 1 },
  );
  assert.equal(value, 'listening');
  assert.equal(tries, 3);
});

void it('on timeout names what it waited for, the timeout, the last error and the detail', async () => {
  let tries = 0;
  const refused = new Error('connection refused');
  const err = await pollUntil(
    () => {
      tries++;
      throw refused;
    },
    { what: () => `the server (try ${tries})`, timeoutMs: 20, everyMs: 5, detail: () => 'output: port in use' },
  ).then(
    () => assert.fail('it should have timed out'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PollTimeoutError);
  assert.ok(tries >= 2, `tried ${tries} times`);
  assert.equal(
    err.message,
    `timed out after 20 ms waiting for the server (try ${tries}) (last error: connection refused); output: port in use`,
  );
  assert.equal(err.cause, refused);
});

void it('a check that never throws times out without a last error', async () => {
  await assert.rejects(
    pollUntil(() => false, { what: 'never', timeoutMs: 10, everyMs: 2 }),
    {
      name: 'PollTimeoutError',
      message: 'timed out after 10 ms waiting for never',
    },
  );
});

void it('abortIf throws its reason at once, without waiting for the timeout', async () => {
  let tries = 0;
  let exited = false;
  const err = await pollUntil(
    () => {
      tries++;
      if (tries === 2) exited = true;
      return undefined;
    },
    {
      what: 'the server',
      timeoutMs: 600_000,
      everyMs: 1,
      abortIf: () => (exited ? 'the server exited (1)' : undefined),
    },
  ).then(
    () => assert.fail('it should have aborted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof Error && !(err instanceof PollTimeoutError));
  assert.equal(err.message, 'the server exited (1)');
  assert.equal(tries, 2, 'no try after abortIf answered');
});

void it('abortIf is asked before the first try', async () => {
  let tries = 0;
  await assert.rejects(
    pollUntil(() => ++tries > 0, { what: 'x', timeoutMs: 60_000, abortIf: () => 'gone' }),
    { message: 'gone' },
  );
  assert.equal(tries, 0);
});
