// Pull mode end to end: the Apicbase sandbox over HTTP, a real Temporal dev server, the Schedule,
// the poll workflow and the order workflows it starts. Intervals are configuration, so polls come
// every 2 seconds here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderWorkflowId, type ApicbaseOrder } from '../src/apicbase/order';
import { PULL_SCHEDULE_ID, readPullCursor, type PullScheduleState } from '../src/apicbase/schedules';
import { runCliJson, runCliProcess } from './helpers/cli-process';
import { pollNowSignal, statusQuery } from '../workflows/order-messages';
import type { OrderStatus } from '../workflows/order-status';
import type { PullOrdersResult } from '../workflows/apicbase-types';
import { instantOf } from '../workflows/purchase-order-walk';
import { runCount, usePullModeSystem, waitUntil } from './helpers/apicbase';
import { LogSink, workflowExists } from './helpers/ingress';
import { stageIs, waitForStatus } from './helpers/orders';
import { PATIENCE_MS } from './helpers/patience';

void describe('Apicbase pull mode', () => {
  const sink = new LogSink();
  // Waits are configuration: a loaded machine still answers the webhook's verdict in time.
  const { t, client, waitForWorkflow } = usePullModeSystem(
    { WEBHOOK_VERIFY_DEADLINE_MS: '60000' },
    { logDestination: sink },
  );
  const hublifyOrders = (orderNumber: string) =>
    t.system.sandbox.orders().filter((o) => o.o_orderid_external === orderNumber);
  /** Poll results (of polls started since `since`, if given), newest first (each poll's workflow returns its result). */
  const pollResults = async (since?: Date) => {
    const out: PullOrdersResult[] = [];
    const started = since ? ` AND StartTime >= "${since.toISOString()}"` : '';
    for await (const wf of client().workflow.list({
      query: `WorkflowType = "pullOrdersWorkflow" AND ExecutionStatus = "Completed"${started}`,
    })) {
      out.push((await client().workflow.getHandle(wf.workflowId, wf.runId).result()) as PullOrdersResult);
    }
    return out;
  };

  // First, while the cursor is still far back: these orders are hours old.
  void it('no order is skipped when orders leave the list and new ones join it between page reads', async () => {
    const schedule = client().schedule.getHandle(PULL_SCHEDULE_ID);
    await schedule.pause('test: the walk starts once the orders are in place');
    await waitUntil(
      async () =>
        (await client().workflow.count('WorkflowType = "pullOrdersWorkflow" AND ExecutionStatus = "Running"')).count ===
        0,
      30_000,
      'no poll running',
    );
    // Ten orders ten minutes apart (further apart than the 1-minute overlap), pages of four.
    const base = Date.now() - 3 * 3_600_000;
    const minute = (m: number) => new Date(base + m * 60_000).toISOString();
    const placed: ApicbaseOrder[] = [];
    for (let i = 0; i < 10; i++)
      placed.push((await t.apicbase.placeOrder({ delivery: 'pull', orderedOn: minute(i * 10) })).order);
    // After the first page: two of its orders are delivered (they leave the ORDERED list, so later
    // pages shift), and three orders arrive: one sharing the first page's last time, one between, one newest.
    const hook = t.apicbase.betweenPages({
      changeListed: { count: 2, status: 'DELIVERED' },
      place: [{ orderedOn: minute(30) }, { orderedOn: minute(45) }, { orderedOn: minute(95) }],
    });
    await schedule.unpause('test: walk now');
    const fired = await hook;
    assert.equal(fired.changed.length, 2);
    const all = [...placed, ...fired.placed];
    await waitUntil(
      async () => (await Promise.all(all.map((o) => runCount(client(), orderWorkflowId(o.id))))).every((n) => n >= 1),
      60_000,
      'a workflow for every order',
    );
    await waitUntil(
      () => all.every((o) => t.apicbase.order(o.id)?.fetched_by_supplier),
      30_000,
      'every order marked fetched_by_supplier',
    );
    for (const order of all) {
      assert.equal(
        await runCount(client(), orderWorkflowId(order.id)),
        1,
        `one run for ${order.order_number} (${order.ordered_on})`,
      );
      assert.equal(t.apicbase.order(order.id)?.patches.length, 1, `${order.order_number} marked once`);
    }
    // Still ORDERED in Apicbase: every one of them has its workflow (the delivered two were started from the first page).
    const ordered = all.filter((o) => t.apicbase.order(o.id)?.order.status === 'ORDERED');
    assert.equal(ordered.length, 11);
    // The walk moves the schedule's cursor as its last step, after the orders are started and marked.
    const wanted = new Date(Date.parse(minute(95)) - 60_000).toISOString();
    // Everything up to the newest order was seen, minus the overlap.
    let cursor: string | null | undefined;
    await waitUntil(
      async () => (cursor = await readPullCursor(client())) === wanted,
      PATIENCE_MS,
      () => `the walk to move the cursor to ${wanted} (it is at ${cursor})`,
    );
  });

  void it('an order whose ordered_on cannot be read is reported, and the walk goes on', async () => {
    const mark = sink.lines.length;
    // Python's str(datetime): a space instead of "T" — not ISO 8601, though the server reads it.
    const odd = new Date(Date.now() - 30_000).toISOString().replace('T', ' ').slice(0, 19);
    const { order: unreadable } = await t.apicbase.placeOrder({ delivery: 'pull', order: { ordered_on: odd } });
    const { order: fine } = await t.apicbase.placeOrder({ delivery: 'pull' });
    await waitForWorkflow(fine.id);
    const reported = await waitUntil(
      async () =>
        (await pollResults()).find((r) => r.invalid.some((bad) => bad.orderNumber === unreadable.order_number)),
      20_000,
      'a poll result that reports the unreadable order',
    );
    assert.match(
      reported.invalid.find((bad) => bad.orderNumber === unreadable.order_number)!.problems.join(' '),
      /ordered_on: .* is not an ISO 8601 date and time/,
    );
    assert.equal(
      await runCount(client(), orderWorkflowId(unreadable.id)),
      0,
      'not started: its place in the walk is unknown; a person handles it',
    );
    assert.equal(t.apicbase.order(unreadable.id)?.fetched_by_supplier, false);
    const logged = sink.since(mark).filter((l) => l.includes(unreadable.order_number) && l.includes('cannot be read'));
    assert.ok(logged.length >= 1, 'a log line names the order');
    // The Web UI shows it in the poll's details.
    const poll = await waitUntil(
      async () => {
        for await (const wf of client().workflow.list({
          query: 'WorkflowType = "pullOrdersWorkflow" AND ExecutionStatus = "Completed"',
        })) {
          const result = (await client().workflow.getHandle(wf.workflowId, wf.runId).result()) as PullOrdersResult;
          if (result.invalid.some((bad) => bad.orderNumber === unreadable.order_number))
            return client().workflow.getHandle(wf.workflowId, wf.runId);
        }
        return undefined;
      },
      20_000,
      'the reporting poll',
    );
    const metadata = await poll.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    assert.match(
      metadata.currentDetails ?? '',
      new RegExp(`unreadable, handle by hand\\*\\*: ${unreadable.order_number} \\(ordered_on`),
    );
    // Polls go on (no crash loop): a later poll completes too.
    const { order: later } = await t.apicbase.placeOrder({ delivery: 'pull' });
    await waitForWorkflow(later.id);
  });

  void it('a pull cycle starts every new order once, over several pages, and marks each fetched', async () => {
    const at = new Date(Date.now() - 60_000);
    // Eleven orders: three pages of four; four of them share one timestamp.
    const placed: ApicbaseOrder[] = [];
    for (let i = 0; i < 11; i++) {
      const orderedOn = new Date(at.getTime() + (i < 4 ? 0 : i * 1000)).toISOString();
      placed.push((await t.apicbase.placeOrder({ delivery: 'pull', orderedOn })).order);
    }
    for (const order of placed) await waitForWorkflow(order.id);
    await waitUntil(
      () => placed.every((o) => t.apicbase.order(o.id)?.fetched_by_supplier),
      PATIENCE_MS,
      'every order marked fetched_by_supplier',
    );

    for (const order of placed) {
      assert.equal(await runCount(client(), orderWorkflowId(order.id)), 1, `one run for ${order.order_number}`);
      const status = await client().workflow.getHandle(orderWorkflowId(order.id)).query(statusQuery);
      assert.equal(status.source, 'pull');
    }
    const results = await pollResults();
    const numbers = new Set(placed.map((o) => o.order_number));
    const starts = results.flatMap((r) => r.startedOrders).filter((n) => numbers.has(n));
    assert.equal(starts.length, 11, 'eleven starts over all polls, no more');
    assert.ok(
      results.some((r) => r.startedOrders.filter((n) => numbers.has(n)).length === 11 && r.pages >= 3),
      `one poll walked three pages: ${JSON.stringify(results.map((r) => [r.pages, r.started]))}`,
    );
    // Later polls list the newest orders again (the overlap) and start nothing.
    const lastStart = new Date();
    await waitUntil(
      async () => (await pollResults(lastStart)).some((r) => r.started === 0 && r.alreadyKnown >= 1),
      PATIENCE_MS,
      'a later poll that saw known orders',
    );
    const cursor = await readPullCursor(client());
    // Every order was seen: the cursor is the newest ORDERED order's time (earlier tests' included) minus the overlap.
    const newest = Math.max(
      ...t.apicbase
        .orders()
        .filter((e) => e.order.status === 'ORDERED')
        .map((e) => instantOf(e.order.ordered_on) ?? -Infinity),
    );
    assert.ok(newest >= Date.parse(placed[10]!.ordered_on));
    assert.equal(
      cursor,
      new Date(newest - 60_000).toISOString(),
      'the cursor: newest order fully seen minus the overlap',
    );
    for (const order of placed) assert.equal(t.apicbase.order(order.id)?.patches.length, 1, 'marked once');
    await waitUntil(
      () => placed.every((o) => hublifyOrders(o.order_number).length === 1),
      PATIENCE_MS,
      'every order injected into Hublify once',
    );
  });

  void it('`order-relay pull status` shows the cursor decoded, in text and JSON (issue 26.14)', async () => {
    const cursor = await readPullCursor(client());
    assert.ok(cursor, 'the earlier test moved the cursor');
    const json = await runCliJson<PullScheduleState>(t.system, ['pull', 'status']);
    assert.equal(json.scheduleId, PULL_SCHEDULE_ID);
    // The cursor moves while polls run: what the CLI read is a real cursor, never older than the one read before.
    assert.ok(json.cursor && Date.parse(json.cursor) >= Date.parse(cursor), JSON.stringify(json));
    const text = await runCliProcess(t.system, ['pull', 'status']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^cursor\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m, text.stdout);
    assert.match(text.stdout, new RegExp(`^schedule\\s+${PULL_SCHEDULE_ID}: every 2s`, 'm'), text.stdout);
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

    // A whole poll after both arrived (the cursor need not move: nothing newer was placed).
    const bothArrived = new Date();
    await waitUntil(
      async () => (await pollResults(bothArrived)).length > 0 || undefined,
      PATIENCE_MS,
      'another poll after both arrived',
    );
    for (const [placed, source] of [
      [viaWebhook, 'webhook'],
      [viaPull, 'pull'],
    ] as const) {
      const handle = client().workflow.getHandle(orderWorkflowId(placed.order.id));
      assert.equal(await runCount(client(), handle.workflowId), 1, `${source} first: one run`);
      assert.equal((await handle.query(statusQuery)).source, source);
      await waitUntil(
        () => hublifyOrders(placed.order.order_number).length === 1 || undefined,
        PATIENCE_MS,
        'injected',
      );
      assert.equal(hublifyOrders(placed.order.order_number).length, 1);
    }
    assert.equal(
      t.apicbase.order(viaWebhook.order.id)?.fetched_by_supplier,
      false,
      'delivered by webhook, not fetched',
    );
    assert.equal(t.apicbase.order(viaPull.order.id)?.fetched_by_supplier, true);
  });

  // Last in the file: its order is placed in the future, so every later poll lists it again (the
  // cursor stays a minute behind the newest order placed).
  void it('a shipped order whose workflow was deleted (retention) is listed again, and the poll starts nothing (issue 24.5)', async () => {
    const { order } = await t.apicbase.placeOrder({
      delivery: 'pull',
      orderedOn: new Date(Date.now() + 30 * 60_000).toISOString(),
    });
    await waitForWorkflow(order.id);
    const handle = client().workflow.getHandle(orderWorkflowId(order.id));
    const waiting = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    t.system.sandbox.ship(waiting.hublify!.orderId);
    await handle.signal(pollNowSignal);
    assert.equal(((await handle.result()) as OrderStatus).stage, 'SHIPPED');
    await client().workflowService.deleteWorkflowExecution({
      namespace: t.system.config.TEMPORAL_NAMESPACE,
      workflowExecution: { workflowId: handle.workflowId },
    });
    await waitUntil(
      async () => !(await workflowExists(client(), handle.workflowId)) || undefined,
      PATIENCE_MS,
      'the workflow to be deleted',
    );

    // Two whole polls after the deletion: each listed the order again (it is the newest), and found it closed in the store.
    const deleted = new Date();
    const polls = await waitUntil(
      async () => {
        const done = await pollResults(deleted);
        return done.length >= 2 ? done : undefined;
      },
      PATIENCE_MS,
      'two polls after the deletion',
    );
    for (const poll of polls) assert.ok(!poll.startedOrders.includes(order.order_number), JSON.stringify(poll));
    assert.equal(await workflowExists(client(), handle.workflowId), false, 'not started again');
    assert.equal(t.system.sandbox.orderCreateCalls(order.order_number), 1, 'Hublify received one order_create in all');
  });
});
