// Pull mode end to end: the Apicbase sandbox over HTTP, a real Temporal dev server, the Schedule,
// the poll workflow and the order workflows it starts. Intervals are configuration, so polls come
// every 2 seconds here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { orderWorkflowId, type ApicbaseOrder } from '../src/apicbase/order';
import { PULL_SCHEDULE_ID, RECONCILE_SCHEDULE_ID, advancePullCursor, readPullCursor } from '../src/apicbase/schedules';
import { createLogger } from '../src/logger';
import { startOrderRelay } from '../src/order-relay';
import { statusQuery } from '../workflows/order-messages';
import type { PullOrdersResult } from '../workflows/apicbase-types';
import { runCount, startApicbaseTestSystem, waitUntil, type ApicbaseTestSystem } from './helpers/apicbase';
import { testWorkflowBundle } from './helpers/system';

void describe('Apicbase pull mode', () => {
  let t: ApicbaseTestSystem;
  before(async () => {
    t = await startApicbaseTestSystem({
      APICBASE_MODE: 'pull',
      APICBASE_POLL_INTERVAL: '2s',
      APICBASE_POLL_OVERLAP: '1m',
      APICBASE_PAGE_SIZE: '4',
      APICBASE_PULL_SINCE: '2026-01-01T00:00:00Z',
    });
  });
  after(async () => {
    await t?.close();
  });
  const client = () => t.system.relay.client;
  const hublifyOrders = (orderNumber: string) => t.system.sandbox.orders().filter((o) => o.o_orderid_external === orderNumber);
  const waitForWorkflow = (apicbaseId: string, timeoutMs = 20_000) =>
    waitUntil(() => client().workflow.getHandle(orderWorkflowId(apicbaseId)).describe(), timeoutMs, `workflow for ${apicbaseId}`);
  /** Poll results so far, newest first (each poll's workflow returns its result). */
  const pollResults = async () => {
    const out: PullOrdersResult[] = [];
    for await (const wf of client().workflow.list({ query: `WorkflowType = "pullOrdersWorkflow" AND ExecutionStatus = "Completed"` })) {
      out.push((await client().workflow.getHandle(wf.workflowId, wf.runId).result()) as PullOrdersResult);
    }
    return out;
  };

  void it('a pull cycle starts every new order once, over several pages, and marks each fetched', async () => {
    const at = new Date(Date.now() - 60_000);
    // Eleven orders: three pages of four; four of them share one timestamp.
    const placed: ApicbaseOrder[] = [];
    for (let i = 0; i < 11; i++) {
      const orderedOn = new Date(at.getTime() + (i < 4 ? 0 : i * 1000)).toISOString();
      placed.push((await t.apicbase.placeOrder({ delivery: 'pull', orderedOn })).order);
    }
    for (const order of placed) await waitForWorkflow(order.id);
    await waitUntil(() => placed.every((o) => t.apicbase.order(o.id)?.fetched_by_supplier), 20_000, 'every order marked fetched_by_supplier');

    for (const order of placed) {
      assert.equal(await runCount(client(), orderWorkflowId(order.id)), 1, `one run for ${order.order_number}`);
      const status = await client().workflow.getHandle(orderWorkflowId(order.id)).query(statusQuery);
      assert.equal(status.source, 'pull');
    }
    const results = await pollResults();
    assert.equal(results.reduce((n, r) => n + r.started, 0), 11, 'eleven starts over all polls, no more');
    assert.ok(results.some((r) => r.started === 11 && r.pages >= 3), `one poll walked three pages: ${JSON.stringify(results.map((r) => [r.pages, r.started]))}`);
    // Later polls list the newest orders again (the overlap) and start nothing.
    await waitUntil(async () => (await pollResults()).some((r) => r.started === 0 && r.alreadyKnown >= 1), 15_000, 'a later poll that saw known orders');
    const cursor = await readPullCursor(client());
    assert.equal(cursor, new Date(Date.parse(placed[10]!.ordered_on) - 60_000).toISOString(), 'the cursor: newest order seen minus the overlap');
    for (const order of placed) assert.equal(t.apicbase.order(order.id)?.patches.length, 1, 'marked once');
    await waitUntil(() => placed.every((o) => hublifyOrders(o.order_number).length === 1), 20_000, 'every order injected into Hublify once');
  });

  void it('the same order by webhook and by pull runs once', async () => {
    // Webhook first: order-relay accepts it, Apicbase marks it ORDERED, the next polls list it.
    const viaWebhook = await t.apicbase.placeOrder({ delivery: 'webhook' });
    assert.equal(viaWebhook.webhook?.status, 200, JSON.stringify(viaWebhook.webhook));
    // Pull first, then the same order arrives by webhook too.
    const viaPull = await t.apicbase.placeOrder({ delivery: 'pull' });
    await waitForWorkflow(viaPull.order.id);
    const again = await t.apicbase.redeliver(viaPull.order.id);
    assert.equal(again.webhook?.status, 200, JSON.stringify(again.webhook));

    const cursorNow = await readPullCursor(client());
    await waitUntil(async () => (await readPullCursor(client())) !== cursorNow || undefined, 15_000, 'another poll after both arrived');
    for (const [placed, source] of [[viaWebhook, 'webhook'], [viaPull, 'pull']] as const) {
      const handle = client().workflow.getHandle(orderWorkflowId(placed.order.id));
      assert.equal(await runCount(client(), handle.workflowId), 1, `${source} first: one run`);
      assert.equal((await handle.query(statusQuery)).source, source);
      await waitUntil(() => hublifyOrders(placed.order.order_number).length === 1 || undefined, 20_000, 'injected');
      assert.equal(hublifyOrders(placed.order.order_number).length, 1);
    }
    assert.equal(t.apicbase.order(viaWebhook.order.id)?.fetched_by_supplier, false, 'delivered by webhook, not fetched');
    assert.equal(t.apicbase.order(viaPull.order.id)?.fetched_by_supplier, true);
  });

  void it('a 429 storm slows polling but loses nothing', async () => {
    const stats = t.apicbase.stats();
    t.apicbase.setRateLimit({ limit: 2, windowMs: 2_000 });
    t.apicbase.injectFault({ kind: 'http429', count: 4, retryAfterSeconds: 1 });
    try {
      const placed: ApicbaseOrder[] = [];
      for (let i = 0; i < 6; i++) placed.push((await t.apicbase.placeOrder({ delivery: 'pull' })).order);
      for (const order of placed) await waitForWorkflow(order.id, 60_000);
      await waitUntil(() => placed.every((o) => t.apicbase.order(o.id)?.fetched_by_supplier), 60_000, 'every order marked fetched despite the storm');
      const after = t.apicbase.stats();
      assert.ok(after.throttled - stats.throttled > 0, 'the rate limit answered 429');
      assert.equal(after.faulted - stats.faulted, 4, 'the scheduled 429s were answered');
      for (const order of placed) assert.equal(await runCount(client(), orderWorkflowId(order.id)), 1);
    } finally {
      t.apicbase.setRateLimit({ limit: 100, windowMs: 60_000 });
      t.apicbase.clearFaults();
    }
  });

  void it('access tokens are refreshed before they expire', async () => {
    t.apicbase.setAccessTokenTtl(4_000);
    await t.reauthorize(); // a token that lives 4 s: refreshed from half its life on
    const before = t.apicbase.stats();
    await new Promise((r) => setTimeout(r, 9_000)); // four or five polls
    const { order } = await t.apicbase.placeOrder({ delivery: 'pull' });
    await waitForWorkflow(order.id);
    const after = t.apicbase.stats();
    assert.ok(after.grants.refresh_token - before.grants.refresh_token >= 2, `refreshed: ${JSON.stringify(after.grants)}`);
    assert.equal(after.expiredTokenUses - before.expiredTokenUses, 0, 'an expired token was never sent');
    assert.equal(after.unauthorized - before.unauthorized, 0);
    t.apicbase.setAccessTokenTtl(7 * 86_400_000);
  });

  void it('the schedule survives a restart of order-relay: same schedule, cursor kept, interval updated, pulling goes on', async () => {
    const schedule = () => client().schedule.getHandle(PULL_SCHEDULE_ID); // the client changes with the restart
    const before = await schedule().describe();
    const cursorBefore = await readPullCursor(client());
    const { order: early } = await t.apicbase.placeOrder({ delivery: 'pull' });
    await waitForWorkflow(early.id);

    await t.restartRelay({ APICBASE_POLL_INTERVAL: '3s' });
    const afterRestart = await schedule().describe();
    assert.equal(afterRestart.info.createdAt.getTime(), before.info.createdAt.getTime(), 'not recreated');
    assert.equal(afterRestart.spec.intervals?.[0]?.every, 3_000, 'interval updated from configuration');
    const cursorAfter = await readPullCursor(client());
    assert.ok(cursorAfter && cursorBefore && Date.parse(cursorAfter) >= Date.parse(cursorBefore), `cursor kept: ${cursorBefore} → ${cursorAfter}`);
    assert.equal(await advancePullCursor(client(), '2026-01-02T00:00:00.000Z'), cursorAfter, 'the cursor never moves backwards');

    const { order: late } = await t.apicbase.placeOrder({ delivery: 'pull' });
    // A poll that was running when the relay stopped must first time out on the server (the
    // schedule skips overlapping runs), so allow more than one poll interval here.
    await waitForWorkflow(late.id, 60_000);
    for (const order of [early, late]) assert.equal(await runCount(client(), orderWorkflowId(order.id)), 1);
    const taken = (await schedule().describe()).info.numActionsTaken;
    assert.ok(taken > before.info.numActionsTaken, 'the schedule kept taking actions');
    // Reconciliation has its schedule too (daily by default).
    assert.equal((await client().schedule.getHandle(RECONCILE_SCHEDULE_ID).describe()).spec.intervals?.[0]?.every, 86_400_000);
  });

  void it('every worker draws on one Apicbase request budget: the task queue\'s rate limit', async () => {
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
      await waitUntil(() => placed.every((o) => t.apicbase.order(o.id)?.fetched_by_supplier), 60_000, 'every order marked fetched');
      const times = t.apicbase.apiRequestTimes().filter((x) => x >= since);
      // One list and six PATCHes at least; never more than one a second (plus a token bucket's burst).
      assert.ok(times.length >= 7, `${times.length} requests`);
      const busiest = Math.max(...times.map((start) => times.filter((x) => x >= start && x < start + 3_000).length));
      assert.ok(busiest <= 4, `at most ~3 requests in any 3 s, saw ${busiest}: ${JSON.stringify(times.map((x) => x - since))}`);
      for (const order of placed) assert.equal(await runCount(client(), orderWorkflowId(order.id)), 1);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
