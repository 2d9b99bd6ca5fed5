// `orders list --since`: dates and times read strictly, an offset-less time as UTC, durations back from now.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { OperationError } from '../src/operations/errors';
import { parseSince } from '../src/operations/visibility-query';

void it('parseSince: ISO dates and times (offset-less = UTC), durations back from now, anything else a usage error', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  assert.equal(parseSince('2026-11-20', now).toISOString(), '2026-11-20T00:00:00.000Z');
  assert.equal(parseSince('2026-11-20T09:30:00', now).toISOString(), '2026-11-20T09:30:00.000Z');
  assert.equal(parseSince('2026-11-20 09:30:00', now).toISOString(), '2026-11-20T09:30:00.000Z');
  assert.equal(parseSince('2026-11-20T10:30:00+01:00', now).toISOString(), '2026-11-20T09:30:00.000Z');
  assert.equal(parseSince('2h', now).toISOString(), '2026-11-22T10:00:00.000Z');
  for (const bad of ['2026-02-30', 'yesterday', '2026-11-20T25:00:00Z']) {
    assert.throws(
      () => parseSince(bad, now),
      (err: unknown) => err instanceof OperationError && err.kind === 'usage',
      bad,
    );
  }
});
