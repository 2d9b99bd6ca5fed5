// The ApplicationFailure an activity call throws (fails the test when it does not throw one).
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';

export async function applicationFailureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the activity to throw');
}
