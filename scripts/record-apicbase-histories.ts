// Scenarios of the Apicbase pull and reconciliation workflows for the replay test, recorded by
// scripts/record-histories.ts (`npm run record-histories -- <scenario>`). They run against the
// Apicbase sandbox; the schedules wait an hour, so each run is triggered here and nothing else polls.
import type { WorkflowHandle } from '@temporalio/client';
import { PULL_SCHEDULE_ID, RECONCILE_SCHEDULE_ID } from '../src/apicbase/schedules';
import { startApicbaseTestSystem, waitUntil, type ApicbaseTestSystem } from '../test/helpers/apicbase';
import { startTestOrder, stageIs, waitForStatus } from '../test/helpers/orders';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import { pollNowSignal } from '../workflows/order-messages';

export type ApicbaseScenario = (t: ApicbaseTestSystem) => Promise<WorkflowHandle>;

const HOUR_AGO = () => new Date(Date.now() - 3_600_000).toISOString();

/** Triggers a schedule and waits for the run it started to finish; returns that run's handle. */
async function runSchedule(t: ApicbaseTestSystem, scheduleId: string): Promise<WorkflowHandle> {
  const client = t.system.relay.client;
  const schedule = client.schedule.getHandle(scheduleId);
  const before = new Set(
    (await schedule.describe()).info.recentActions.map((a) => a.action.workflow.firstExecutionRunId),
  );
  await schedule.trigger();
  const started = await waitUntil(
    async () =>
      (await schedule.describe()).info.recentActions.find((a) => !before.has(a.action.workflow.firstExecutionRunId))
        ?.action.workflow,
    30_000,
    `a run of ${scheduleId}`,
  );
  const handle = client.workflow.getHandle(started.workflowId);
  await handle.result();
  return handle;
}

export const apicbaseScenarios: Record<string, ApicbaseScenario> = {
  async 'pull-orders-over-three-pages'(t) {
    const at = Date.now() - 600_000;
    // Five orders, two sharing a timestamp: pages of two.
    for (let i = 0; i < 5; i++)
      await t.apicbase.placeOrder({ delivery: 'pull', orderedOn: new Date(at + (i < 2 ? 0 : i * 1000)).toISOString() });
    return runSchedule(t, PULL_SCHEDULE_ID);
  },
  async 'pull-orders-oldest-first-walk-with-changes'(t) {
    const at = Date.now() - 600_000;
    // Two orders at one instant fill a page (followed by number), later ones move the bound; after the
    // first page one order is delivered and two arrive; one order's ordered_on cannot be read.
    for (let i = 0; i < 6; i++)
      await t.apicbase.placeOrder({ delivery: 'pull', orderedOn: new Date(at + (i < 2 ? 0 : i * 1000)).toISOString() });
    await t.apicbase.placeOrder({
      delivery: 'pull',
      order: { ordered_on: new Date(at + 2500).toISOString().replace('T', ' ') },
    });
    void t.apicbase.betweenPages({
      changeListed: { count: 1, status: 'DELIVERED' },
      place: [{ orderedOn: new Date(at + 3000).toISOString() }, { orderedOn: new Date(at + 9000).toISOString() }],
    });
    return runSchedule(t, PULL_SCHEDULE_ID);
  },
  async 'reconcile-orders-oldest-first-walk'(t) {
    const at = Date.now() - 1_200_000;
    for (let i = 0; i < 3; i++)
      await t.apicbase.placeOrder({ delivery: 'pull', orderedOn: new Date(at + i * 1000).toISOString() });
    await t.apicbase.placeOrder({
      delivery: 'pull',
      order: { ordered_on: new Date(at + 1500).toISOString().replace('T', ' ') },
    });
    return runSchedule(t, RECONCILE_SCHEDULE_ID);
  },
  // The order workflow with APICBASE_MARK_VIEWED: after injection it marks the order viewed_by_supplier (a side step).
  async 'v2-marked-viewed-in-apicbase-then-shipped'(t) {
    const { order } = await t.apicbase.placeOrder({ delivery: 'pull' });
    const handle = await startTestOrder(
      t.system,
      order,
      { pollSchedule: parsePollSchedule('1h'), apicbaseViewed: { taskQueue: t.system.config.APICBASE_TASK_QUEUE } },
      'pull',
    );
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    t.system.sandbox.ship(order.order_number, { shipments: [{ trackingCode: 'REC-VIEWED' }] });
    await handle.signal(pollNowSignal);
    await handle.result();
    return handle;
  },
  async 'reconcile-orders-over-two-pages'(t) {
    const at = Date.now() - 600_000;
    for (let i = 0; i < 3; i++)
      await t.apicbase.placeOrder({ delivery: 'pull', orderedOn: new Date(at + i * 1000).toISOString() });
    return runSchedule(t, RECONCILE_SCHEDULE_ID);
  },
};

/** Starts the relay with the Apicbase sandbox in `both` mode, schedules an hour apart (runs are triggered). */
export function startApicbaseRecordingSystem(env: Record<string, string>): Promise<ApicbaseTestSystem> {
  return startApicbaseTestSystem({
    ...env,
    APICBASE_MODE: 'both',
    APICBASE_POLL_INTERVAL: '1h',
    APICBASE_RECONCILE_INTERVAL: '1h',
    APICBASE_POLL_OVERLAP: '1m',
    APICBASE_PAGE_SIZE: '2',
    APICBASE_PULL_SINCE: HOUR_AGO(),
  });
}
