// Pull mode end to end, across restarts and with a second worker: the schedule and its cursor survive
// a restart of order-relay, and every worker shares one Apicbase request budget. (Apart from
// test/apicbase-pull.test.ts so that neither file nears the test runner's per-file time limit on a
// loaded machine.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { orderWorkflowId, type ApicbaseOrder } from '../src/apicbase/order';
import { PULL_SCHEDULE_ID, RECONCILE_SCHEDULE_ID, advancePullCursor, readPullCursor } from '../src/apicbase/schedules';
import { createLogger } from '../src/logger';
import { startOrderRelay } from '../src/order-relay';
import { runCount, usePullModeSystem, waitUntil } from './helpers/apicbase';
import { PATIENCE_MS } from './helpers/patience';
import { testWorkflowBundle } from './helpers/system';

void describe('Apicbase pull mode: restarts and a second worker', () => {
  const { t, client, waitForWorkflow } = usePullModeSystem();

  void it('the schedule survives a restart of order-relay: same schedule, cursor kept, interval updated, pulling goes on', async () => {
    const schedule = () => client().schedule.getHandle(PULL_SCHEDULE_ID); // the client changes with the restart
    const before = await schedule().describe();
    const { order: early } = await t.apicbase.placeOrder({ delivery: 'pull' });
    await waitForWorkflow(early.id);
    const cursorBefore = await readPullCursor(client());

    await t.restartRelay({ APICBASE_POLL_INTERVAL: '3s' });
    const afterRestart = await schedule().describe();
    assert.equal(afterRestart.info.createdAt.getTime(), before.info.createdAt.getTime(), 'not recreated');
    assert.equal(afterRestart.spec.intervals?.[0]?.every, 3_000, 'interval updated from configuration');
    const cursorAfter = await readPullCursor(client());
    assert.ok(
      cursorAfter && cursorBefore && Date.parse(cursorAfter) >= Date.parse(cursorBefore),
      `cursor kept: ${cursorBefore} → ${cursorAfter}`,
    );
    assert.equal(
      await advancePullCursor(client(), '2025-01-01T00:00:00.000Z'),
      cursorAfter,
      'the cursor never moves backwards',
    );

    const { order: late } = await t.apicbase.placeOrder({ delivery: 'pull' });
    // A poll that was running when the relay stopped must first time out on the server (the
    // schedule skips overlapping runs), so allow more than one poll interval here.
    await waitForWorkflow(late.id);
    for (const order of [early, late]) assert.equal(await runCount(client(), orderWorkflowId(order.id)), 1);
    const taken = (await schedule().describe()).info.numActionsTaken;
    assert.ok(taken > before.info.numActionsTaken, 'the schedule kept taking actions');
    // Reconciliation has its schedule too (daily by default).
    assert.equal(
      (await client().schedule.getHandle(RECONCILE_SCHEDULE_ID).describe()).spec.intervals?.[0]?.every,
      86_400_000,
    );
  });

  void it("every worker draws on one Apicbase request budget: the task queue's rate limit", async () => {
    // 60 a minute for the whole queue, and a second worker process on the same queue.
    await t.restartRelay({ APICBASE_POLL_INTERVAL: '3s', APICBASE_RATE_LIMIT_PER_MINUTE: '60' });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'second-worker-'));
    const second = await startOrderRelay({
      config: { ...t.system.config, DATA_DIR: dataDir },
      logger: createLogger('silent'),
      roles: { api: false, worker: true },
      workflowBundle: await testWorkflowBundle(),
    });
    try {
      const since = Date.now();
      const placed: ApicbaseOrder[] = [];
      for (let i = 0; i < 6; i++) placed.push((await t.apicbase.placeOrder({ delivery: 'pull' })).order);
      await waitUntil(
        () => placed.every((o) => t.apicbase.order(o.id)?.fetched_by_supplier),
        PATIENCE_MS,
        'every order marked fetched',
      );
      const times = t.apicbase.apiRequestTimes().filter((x) => x >= since);
      // One list and six PATCHes at least; never more than one a second (plus a token bucket's burst).
      assert.ok(times.length >= 7, `${times.length} requests`);
      const busiest = Math.max(...times.map((start) => times.filter((x) => x >= start && x < start + 3_000).length));
      assert.ok(
        busiest <= 4,
        `at most ~3 requests in any 3 s, saw ${busiest}: ${JSON.stringify(times.map((x) => x - since))}`,
      );
      for (const order of placed) assert.equal(await runCount(client(), orderWorkflowId(order.id)), 1);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
