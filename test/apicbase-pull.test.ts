// Pull mode end to end: the Apicbase sandbox over HTTP, a real Temporal dev server, the Schedule,
// the poll workflow and the order workflows it starts. Intervals are configuration, so polls come
// every 2 seconds here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { orderWorkflowId, type ApicbaseOrder } from '../src/apicbase/order';
import { readPullCursor } from '../src/apicbase/schedules';
import { statusQuery } from '../workflows/order-messages';
import type { PullOrdersResult } from '../workflows/apicbase-types';
import { PULL_MODE_SETTINGS, runCount, startApicbaseTestSystem, waitUntil, type ApicbaseTestSystem } from './helpers/apicbase';
import { PATIENCE_MS } from './helpers/patience';

void describe('Apicbase pull mode', () => {
  let t: ApicbaseTestSystem;
  before(async () => {
    t = await startApicbaseTestSystem(PULL_MODE_SETTINGS);
  });
  after(async () => {
    await t?.close();
  });
  const client = () => t.system.relay.client;
  const hublifyOrders = (orderNumber: string) => t.system.sandbox.orders().filter((o) => o.o_orderid_external === orderNumber);
  const waitForWorkflow = (apicbaseId: string, timeoutMs = PATIENCE_MS) =>
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
    await waitUntil(() => placed.every((o) => t.apicbase.order(o.id)?.fetched_by_supplier), PATIENCE_MS, 'every order marked fetched_by_supplier');

    for (const order of placed) {
      assert.equal(await runCount(client(), orderWorkflowId(order.id)), 1, `one run for ${order.order_number}`);
      const status = await client().workflow.getHandle(orderWorkflowId(order.id)).query(statusQuery);
      assert.equal(status.source, 'pull');
    }
    const results = await pollResults();
    assert.equal(results.reduce((n, r) => n + r.started, 0), 11, 'eleven starts over all polls, no more');
    assert.ok(results.some((r) => r.started === 11 && r.pages >= 3), `one poll walked three pages: ${JSON.stringify(results.map((r) => [r.pages, r.started]))}`);
    // Later polls list the newest orders again (the overlap) and start nothing.
    await waitUntil(async () => (await pollResults()).some((r) => r.started === 0 && r.alreadyKnown >= 1), PATIENCE_MS, 'a later poll that saw known orders');
    const cursor = await readPullCursor(client());
    assert.equal(cursor, new Date(Date.parse(placed[10]!.ordered_on) - 60_000).toISOString(), 'the cursor: newest order seen minus the overlap');
    for (const order of placed) assert.equal(t.apicbase.order(order.id)?.patches.length, 1, 'marked once');
    await waitUntil(() => placed.every((o) => hublifyOrders(o.order_number).length === 1), PATIENCE_MS, 'every order injected into Hublify once');
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
    await waitUntil(async () => (await readPullCursor(client())) !== cursorNow || undefined, PATIENCE_MS, 'another poll after both arrived');
    for (const [placed, source] of [[viaWebhook, 'webhook'], [viaPull, 'pull']] as const) {
      const handle = client().workflow.getHandle(orderWorkflowId(placed.order.id));
      assert.equal(await runCount(client(), handle.workflowId), 1, `${source} first: one run`);
      assert.equal((await handle.query(statusQuery)).source, source);
      await waitUntil(() => hublifyOrders(placed.order.order_number).length === 1 || undefined, PATIENCE_MS, 'injected');
      assert.equal(hublifyOrders(placed.order.order_number).length, 1);
    }
    assert.equal(t.apicbase.order(viaWebhook.order.id)?.fetched_by_supplier, false, 'delivered by webhook, not fetched');
    assert.equal(t.apicbase.order(viaPull.order.id)?.fetched_by_supplier, true);
  });
});
