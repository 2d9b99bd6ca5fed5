// Webhook mode's daily reconciliation, and switching modes: against the Apicbase sandbox and a real
// Temporal dev server. An order "planted" in Apicbase as ORDERED without ever being delivered to us
// must be reported; orders that came by webhook must not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { orderWorkflowId } from '../src/apicbase/order';
import { PULL_SCHEDULE_ID, RECONCILE_SCHEDULE_ID, readPullCursor } from '../src/apicbase/schedules';
import { tokenStoreFrom } from '../src/apicbase/from-config';
import { pollNowSignal, statusQuery } from '../workflows/order-messages';
import type { ReconcileResult } from '../workflows/apicbase-types';
import type { OrderStatus } from '../workflows/order-status';
import {
  runCount,
  runScheduleNow,
  startApicbaseTestSystem,
  waitUntil,
  type ApicbaseTestSystem,
} from './helpers/apicbase';
import { LogSink } from './helpers/ingress';
import { PATIENCE_MS } from './helpers/patience';

void describe('Apicbase reconciliation and modes', () => {
  const sink = new LogSink();
  let t: ApicbaseTestSystem;
  before(async () => {
    t = await startApicbaseTestSystem(
      {
        APICBASE_MODE: 'webhook',
        APICBASE_RECONCILE_INTERVAL: '1h',
        APICBASE_POLL_INTERVAL: '2s',
        APICBASE_MARK_VIEWED: 'true',
      },
      { logDestination: sink, logLevel: 'debug' },
    );
  });
  after(async () => {
    await t?.close();
  });
  const client = () => t.system.relay.client;
  let planted: string;
  let plantedNumber: string;

  void it('webhook mode: no pull; reconciliation reports the ORDERED order that has no workflow, and only that one', async () => {
    await assert.rejects(
      client().schedule.getHandle(PULL_SCHEDULE_ID).describe(),
      ScheduleNotFoundError,
      'no pull schedule in webhook mode',
    );
    const delivered = [
      await t.apicbase.placeOrder({ delivery: 'webhook' }),
      await t.apicbase.placeOrder({ delivery: 'webhook', bodyStyle: 'compact' }),
    ];
    for (const d of delivered) assert.equal(d.webhook?.status, 200, JSON.stringify(d.webhook));
    // ORDERED in Apicbase, but its webhook never reached us (e.g. lost): the order to find.
    const lost = await t.apicbase.placeOrder({ delivery: 'pull' });
    planted = lost.order.id;
    plantedNumber = lost.order.order_number;
    // Outside the lookback (30 days by default): not judged.
    await t.apicbase.placeOrder({ delivery: 'pull', orderedOn: new Date(Date.now() - 40 * 86_400_000).toISOString() });
    // Refused by us (webhook answered 422): Apicbase keeps it "not sent", so it is not ORDERED.
    const refused = await t.apicbase.placeOrder({ delivery: 'webhook', customer: 'NO-SUCH-CUSTOMER' });
    assert.equal(refused.webhook?.status, 422);

    const mark = sink.lines.length;
    const result = await runScheduleNow<ReconcileResult>(client(), RECONCILE_SCHEDULE_ID);
    assert.deepEqual(
      result.missing.map((m) => m.id),
      [planted],
    );
    assert.equal(result.missing[0]!.orderNumber, plantedNumber);
    assert.equal(result.missing[0]!.workflowId, orderWorkflowId(planted));
    assert.equal(result.checked, 3);
    const logged = sink.since(mark).filter((l) => l.includes('ORDERED but has no workflow'));
    assert.equal(logged.length, 1);
    assert.ok(logged[0]!.includes(plantedNumber));
    assert.equal(await runCount(client(), orderWorkflowId(planted)), 0, 'reported, not started');

    // APICBASE_MARK_VIEWED: once in Hublify, the customer sees in Apicbase that the supplier saw the order.
    for (const d of delivered) {
      await waitUntil(
        () => t.apicbase.order(d.order.id)?.viewed_by_supplier,
        PATIENCE_MS,
        `${d.order.order_number} marked viewed`,
      );
      assert.deepEqual(
        t.apicbase.order(d.order.id)?.patches.map((p) => p.body),
        [{ viewed_by_supplier: true }],
      );
    }
  });

  void it('the viewed mark is a durable step the order waits for: it ends only once Apicbase took the mark', async () => {
    // The mark's first attempt meets a 500 (a webhook order makes no other Apicbase call), so it is
    // retried seconds later; the order ships meanwhile.
    const faultedBefore = t.apicbase.stats().faulted;
    t.apicbase.injectFault({ kind: 'http500', count: 1 });
    const placed = await t.apicbase.placeOrder({ delivery: 'webhook' });
    assert.equal(placed.webhook?.status, 200);
    const handle = client().workflow.getHandle(orderWorkflowId(placed.order.id));
    await waitUntil(
      async () => (await handle.query(statusQuery)).stage === 'WAITING_FOR_SHIPMENT' || undefined,
      PATIENCE_MS,
      'waiting for shipment',
    );
    t.system.sandbox.ship(placed.order.order_number);
    await handle.signal(pollNowSignal);
    const status = (await handle.result()) as OrderStatus;
    assert.equal(status.stage, 'SHIPPED');
    assert.equal(t.apicbase.order(placed.order.id)?.viewed_by_supplier, true, 'marked before the run ended');
    assert.equal(t.apicbase.stats().faulted, faultedBefore + 1, 'the first mark attempt was refused');
  });

  void it('both: the pull schedule starts the planted order; reconciliation then finds nothing', async () => {
    await t.restartRelay({
      APICBASE_MODE: 'both',
      APICBASE_PULL_SINCE: new Date(Date.now() - 3_600_000).toISOString(),
    });
    const handle = client().workflow.getHandle(orderWorkflowId(planted));
    await waitUntil(() => handle.describe(), PATIENCE_MS, 'the planted order pulled');
    assert.equal((await handle.query(statusQuery)).source, 'pull');
    const result = await runScheduleNow<ReconcileResult>(client(), RECONCILE_SCHEDULE_ID);
    assert.deepEqual(result.missing, []);
    assert.equal(result.checked, 4, 'the three ORDERED before, and the one the viewed-mark test shipped');
  });

  void it("webhook again pauses pull (keeping its cursor); an operator's own pause is left alone", async () => {
    const schedule = () => client().schedule.getHandle(PULL_SCHEDULE_ID);
    const cursor = await readPullCursor(client());
    await t.restartRelay({ APICBASE_MODE: 'webhook' });
    let described = await schedule().describe();
    assert.equal(described.state.paused, true);
    assert.match(described.state.note ?? '', /APICBASE_MODE=webhook/);
    assert.equal(await readPullCursor(client()), cursor, 'the cursor is kept while paused');

    await t.restartRelay({ APICBASE_MODE: 'pull' });
    described = await schedule().describe();
    assert.equal(described.state.paused, false, 'pull mode unpauses it');

    await schedule().pause('maintenance by ops');
    await t.restartRelay({ APICBASE_MODE: 'pull' });
    described = await schedule().describe();
    assert.equal(described.state.paused, true);
    assert.equal(described.state.note, 'maintenance by ops');
  });

  void it('no token, secret or signature ever reaches the logs', () => {
    const tokens = tokenStoreFrom(t.system.config).read()!;
    const text = sink.lines.join('\n');
    assert.ok(
      sink.lines.some((l) => l.includes('"apicbase call"')),
      'debug lines of Apicbase calls are there to check',
    );
    for (const secret of [tokens.accessToken, tokens.refreshToken!, 'relay-test-secret'])
      assert.ok(!text.includes(secret));
  });
});
