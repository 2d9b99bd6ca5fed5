// The overdue timer reads an expected delivery time without an offset as UTC — as verify and map do —
// never in the worker's zone: this worker runs 12 hours behind UTC, where reading it as local time
// would put the delivery half a day later and the order would not be overdue.
process.env.TZ = 'Etc/GMT+12';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import { stageIs, startTestOrder, waitForStatus } from './helpers/orders';
import { sampleOrder } from './helpers/sample-order';
import { useTestSystem } from './helpers/system';

void describe('overdue timer and time zones', () => {
  const system = useTestSystem();

  void it('an offset-less expected delivery an hour ago (UTC) makes the order OVERDUE in a UTC-12 worker', async () => {
    assert.equal(new Date(0).getTimezoneOffset(), 720, 'this process runs at UTC-12');
    const anHourAgoUtc = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19); // no "Z"
    const order = sampleOrder({ expected_delivery_date: anHourAgoUtc });
    const handle = await startTestOrder(system, order, { pollSchedule: parsePollSchedule('1h'), overdueGraceMs: 0 });
    const overdue = await waitForStatus(handle, stageIs('OVERDUE'));
    assert.equal(overdue.overdue, true);
    await handle.cancel();
  });
});
