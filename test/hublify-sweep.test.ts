// The Hublify sweep against the real system (Temporal dev server, the relay, the Hublify sandbox
// without push): orders waiting for shipment are shipped or cancelled in Hublify, and each is seen by
// the relay through the sweep alone — per-order polls are 12 h apart here, so every order_get the
// sandbox receives was caused by a sweep's signal. What is asserted are the calls Hublify received,
// never how long anything took.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { HublifyClient } from '../src/hublify/client';
import { exampleOrderCreateRequest } from '../src/hublify/sandbox/example-order';
import { readSweepState, sweepScheduleId, SWEEP_WORKFLOW_TYPE } from '../src/hublify/sweep-schedule';
import { pollUntil } from '../src/poll-until';
import { rewriteScheduleInput } from '../src/temporal/schedule-input';
import type { HublifySweepInput, HublifySweepResult } from '../workflows/hublify-sweep-types';
import { runScheduleNow } from './helpers/apicbase';
import { runCliProcess } from './helpers/cli-process';
import { stageIs, startTestOrder, waitForStatus } from './helpers/orders';
import { PATIENCE_MS } from './helpers/patience';
import { sampleOrder } from './helpers/sample-order';
import { startTestSystem, type TestSystem } from './helpers/system';

const CHANNEL = 'channel_10';
const SCHEDULE = sweepScheduleId(CHANNEL);

/** Sweep runs the schedule started so far, and how many are still running (visibility). */
async function sweepRuns(client: Client): Promise<{ all: number; running: number }> {
  const type = `WorkflowType = "${SWEEP_WORKFLOW_TYPE}"`;
  const all = (await client.workflow.count(type)).count;
  const running = (await client.workflow.count(`${type} AND ExecutionStatus = "Running"`)).count;
  return { all, running };
}

/** Pauses the schedule and waits until no sweep runs, so the counts that follow are settled. */
async function pauseSweep(client: Client): Promise<{ all: number }> {
  await client.schedule.getHandle(SCHEDULE).pause('test: counting');
  return pollUntil(
    async () => {
      const runs = await sweepRuns(client);
      return runs.running === 0 && runs;
    },
    { what: 'no sweep running', timeoutMs: PATIENCE_MS },
  );
}

const calls = (system: TestSystem, verb: string) => system.sandbox.requestCounts()[verb] ?? 0;

void describe('Hublify sweep', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({
      HUBLIFY_SWEEP_INTERVAL: '2s',
      // Every change of the test stays inside every sweep's window: the counts below do not depend on the machine's speed.
      HUBLIFY_SWEEP_OVERLAP: '1h',
      TRACK_POLL_SCHEDULE: '12h',
    });
  });
  after(() => system?.close());

  async function waitingOrders(n: number) {
    const orders = Array.from({ length: n }, () => sampleOrder());
    const handles = await Promise.all(orders.map((o) => startTestOrder(system, o)));
    await Promise.all(handles.map((h) => waitForStatus(h, stageIs('WAITING_FOR_SHIPMENT'))));
    return orders.map((order, i) => ({ order, handle: handles[i]!, external: order.order_number }));
  }

  void it('tells every waiting order shipped or cancelled in Hublify, with one order_getList per sweep and no order_get for an order told with its data', async () => {
    const { client } = system.relay;
    await pauseSweep(client);
    const orders = await waitingOrders(12);
    const shipped = orders.slice(0, 4);
    const cancelled = orders.slice(4, 7);
    const inProgress = orders[7]!;
    // Shipped, but the listed row carries no delivery_list (a field restriction): checked with one order_get.
    const shippedBare = orders[8]!;
    // An order of another shop in the same Hublify: listed, not tracked, ignored.
    const hublify = new HublifyClient({
      baseUrl: system.sandbox.url,
      channel: CHANNEL,
      token: system.config.HUBLIFY_CHANNEL_TOKEN!,
      timeoutMs: PATIENCE_MS,
    });
    const created = await hublify.orderCreate(exampleOrderCreateRequest({ o_orderid_external: 'OTHER-SHOP-1' }));
    system.sandbox.ship(created.data.orderid);
    for (const o of shipped) system.sandbox.ship(o.external);
    for (const o of cancelled) system.sandbox.setState(o.external, 'cancelled');
    system.sandbox.setState(inProgress.external, 'processing');
    system.sandbox.setState(shippedBare.external, 'shipped');

    const before = {
      getList: calls(system, 'order_getList'),
      get: calls(system, 'order_get'),
      runs: (await sweepRuns(client)).all,
    };
    await client.schedule.getHandle(SCHEDULE).unpause('test: sweeping');
    for (const o of shipped) await waitForStatus(o.handle, stageIs('SHIPPED'));
    for (const o of cancelled) await waitForStatus(o.handle, stageIs('CANCELLED'));
    await waitForStatus(shippedBare.handle, stageIs('SHIPPED'));
    const runs = (await pauseSweep(client)).all - before.runs;

    assert.ok(runs >= 1);
    assert.equal(calls(system, 'order_getList') - before.getList, runs, 'one order_getList per sweep (no cap here)');
    assert.equal(
      calls(system, 'order_get') - before.get,
      1,
      'no order_get for an order told with its shipments or cancelled; one for the shipped row without shipments',
    );
    assert.equal(calls(system, 'order_create'), orders.length + 1);
    for (const o of shipped) {
      const s = await waitForStatus(o.handle, stageIs('SHIPPED'));
      const inHublify = system.sandbox.orders().find((h) => h.o_orderid_external === o.external)!;
      assert.deepEqual(
        s.shipments.map((x) => x.trackingCode),
        inHublify.delivery_list.map((d) => d.dv_extcode),
        'the shipments recorded from the listed row',
      );
      assert.equal(s.attempts.polls, 0, 'never polled');
    }
    // Neither the order in progress nor the ones untouched were told: still waiting, as Hublify took them.
    for (const o of [inProgress, ...orders.slice(9)]) {
      const s = await waitForStatus(o.handle, stageIs('WAITING_FOR_SHIPMENT'));
      assert.equal(s.hublify?.state, 'received');
      assert.equal(s.attempts.polls, 0);
    }
    const state = await readSweepState(client, CHANNEL);
    assert.ok(state?.last, 'the last sweep is recorded in the schedule');
    assert.equal(
      state.last.listed,
      orders.length + 1,
      'every order changed within the window (created counts as a change)',
    );
    assert.equal(state.last.ending, shipped.length + cancelled.length + 2);
    assert.equal(state.last.ignored + state.last.signalled, state.last.ending);
    assert.equal(state.cursor, state.last.at);
  });

  void it('`order-relay sweep status` shows the schedule, the cursor and what the last good sweep found', async () => {
    const state = await readSweepState(system.relay.client, CHANNEL);
    assert.ok(state?.last);
    const json = await runCliProcess(system, ['sweep', 'status', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const shown = JSON.parse(json.stdout) as {
      channel: string;
      scheduleId: string;
      paused: boolean;
      cursor: string;
      last: HublifySweepResult;
    };
    assert.equal(shown.channel, CHANNEL);
    assert.equal(shown.scheduleId, SCHEDULE);
    assert.equal(shown.paused, true, 'paused by the test before');
    assert.equal(shown.cursor, state.cursor);
    assert.deepEqual(shown.last, state.last);
    const text = await runCliProcess(system, ['sweep', 'status']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`cursor +${state.cursor.replace(/[.]/g, '\\.')}`));
    assert.match(
      text.stdout,
      new RegExp(
        `last good +${state.last.at.replace(/[.]/g, '\\.')}: ${state.last.listed} listed .* ${state.last.ending} shipped or cancelled: ${state.last.signalled} orders told, ${state.last.ignored} not tracked`,
      ),
    );
    assert.match(text.stdout, /PAUSED \(test: counting\)/);
  });

  void it('a sweep that fails keeps the cursor; the next one covers everything since it, however long ago', async () => {
    // No overlap: only the cursor reaches back.
    await system.restartRelay({ HUBLIFY_SWEEP_INTERVAL: '1h', HUBLIFY_SWEEP_OVERLAP: '0s' });
    const { client } = system.relay;
    await pauseSweep(client);
    // Paused: only this test's triggers run.
    const orders = await waitingOrders(3);
    // The last successful sweep was three hours ago (a sweep down for hours); the orders changed two hours ago.
    const threeHoursAgo = new Date(Date.now() - 3 * 3_600_000).toISOString();
    await rewriteScheduleInput<HublifySweepInput>(client, SCHEDULE, (current) => ({
      ...current!,
      cursor: threeHoursAgo,
    }));
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
    system.sandbox.setState(orders[0]!.external, { state: 'shipped', at: twoHoursAgo });
    system.sandbox.setState(orders[1]!.external, { state: 'cancelled', at: twoHoursAgo });
    system.sandbox.ship(orders[2]!.external);

    // Hublify failing: the sweep fails, and the cursor stays.
    system.sandbox.injectFault({ kind: 'http500', count: 1000, verbs: ['order_getList'] });
    await assert.rejects(runScheduleNow(client, SCHEDULE));
    assert.equal((await readSweepState(client, CHANNEL))?.cursor, threeHoursAgo);
    system.sandbox.clearFaults();

    const result = await runScheduleNow<HublifySweepResult>(client, SCHEDULE);
    assert.equal(result.from, threeHoursAgo);
    assert.match(result.search, /^> -18[01]minutes$/, 'three hours, in whole minutes rounded up');
    await waitForStatus(orders[0]!.handle, stageIs('SHIPPED'));
    await waitForStatus(orders[1]!.handle, stageIs('CANCELLED'));
    await waitForStatus(orders[2]!.handle, stageIs('SHIPPED'));
    assert.equal(result.signalled, 3);
    const state = await readSweepState(client, CHANNEL);
    assert.equal(state?.cursor, result.at, 'the cursor moved to the successful sweep');
    assert.ok(Date.parse(result.at) > Date.parse(twoHoursAgo));
  });

  void it('a capped list is asked again per state that ends tracking; capped even then, the sweep fails and keeps its cursor', async () => {
    const orders = await waitingOrders(3);
    // A cap just above the shipped orders in the window (the earlier tests' too): the whole list is capped, `shipped` not yet.
    const recent = (o: { order_state_transtime: string }) =>
      Date.parse(o.order_state_transtime) > Date.now() - 90 * 60_000;
    const inWindow = system.sandbox.orders().filter(recent);
    const limit = inWindow.filter((o) => o.order_state_code === 'shipped').length + 3;
    assert.ok(inWindow.length >= limit, `${inWindow.length} orders in the window, a cap of ${limit}`);
    await system.restartRelay({
      HUBLIFY_SWEEP_INTERVAL: '1h',
      HUBLIFY_SWEEP_OVERLAP: '1h',
      HUBLIFY_LIST_LIMIT: String(limit),
    });
    system.sandbox.setListLimit(limit);
    const { client } = system.relay;
    for (const o of orders.slice(0, 2)) system.sandbox.ship(o.external);

    const before = calls(system, 'order_getList');
    const result = await runScheduleNow<HublifySweepResult>(client, SCHEDULE);
    const endStates = [...system.config.TRACK_FINAL_STATES, ...system.config.TRACK_CANCELLED_STATES];
    assert.deepEqual(result.narrowedTo, endStates);
    assert.equal(result.listCalls, 1 + endStates.length);
    assert.equal(calls(system, 'order_getList') - before, result.listCalls);
    // Handles of the restarted relay's client (the orders' own were made by the one it closed).
    for (const o of orders.slice(0, 2))
      await waitForStatus(client.workflow.getHandle(o.handle.workflowId), stageIs('SHIPPED'));
    assert.equal(result.signalled, 2);

    // One more shipped: the `shipped` list is capped as well, so the sweep cannot know it saw every change.
    const cursor = (await readSweepState(client, CHANNEL))?.cursor;
    system.sandbox.ship(orders[2]!.external);
    await assert.rejects(runScheduleNow(client, SCHEDULE));
    assert.equal((await readSweepState(client, CHANNEL))?.cursor, cursor);
    system.sandbox.setListLimit(undefined);
  });
});
