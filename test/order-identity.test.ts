// Issue 22 item 2 end to end: an attempt whose reply was lost created the order in Hublify, Hublify could
// not be asked about it, and support then amended the items. The re-injection meets Hublify's duplicate:
// it is ours (our external id and person), so the relay adopts it and sends the items by order_update —
// one Hublify order — and a cancel is then refused, naming that order. Hublify's order_update does not
// take orderitems (the sandbox, like the channel API, refuses them): the amendment answers REFUSED with
// Hublify's words, and what the relay says Hublify holds is the items Hublify holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import { pollUntil } from '../src/poll-until';
import type { HublifyOrderCreateRequest } from '../src/hublify/types';
import { failureType } from '../workflows/failures';
import { amendUpdate, cancelUpdate, requestQuery } from '../workflows/order-messages';
import { CANCEL_REFUSED_IN_HUBLIFY } from '../workflows/order-status';
import { stageIs, startTestOrder, waitForStatus } from './helpers/orders';
import { runCliProcess } from './helpers/cli-process';
import { PATIENCE_MS } from './helpers/patience';
import { sampleOrder } from './helpers/sample-order';
import { useTestSystem } from './helpers/system';

/** The client gives up after this; the sandbox answers order_create later (and creates the order). */
const CLIENT_TIMEOUT_MS = 2_000;
const LOST_REPLY_DELAY_MS = 3_500;

void describe('our own order in Hublify, its reply lost, is ours by identity (issue 22 item 2)', () => {
  const ADMIN_TOKEN = 'test-admin-token-identity-4b1d';
  const system = useTestSystem({ HUBLIFY_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS), ADMIN_TOKEN });
  const held = (orderNumber: string) => system.sandbox.orders().filter((o) => o.o_orderid_external === orderNumber);

  const lostReplyOrder = async (order: ReturnType<typeof sampleOrder>) => {
    system.sandbox.injectFault({ kind: 'slow', delayMs: LOST_REPLY_DELAY_MS, count: 1, verbs: ['order_create'] });
    system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_get'] });
    const handle = await startTestOrder(system, order, {
      pollSchedule: parsePollSchedule('1h'),
      injectRetry: { initialIntervalMs: 200, maximumIntervalMs: 500, retryForMs: 10_000 },
    });
    const stuck = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    assert.equal(stuck.hublify, null);
    await pollUntil(() => held(order.order_number).length === 1, {
      what: 'the slow order_create created the order in the sandbox',
      timeoutMs: PATIENCE_MS,
    });
    return handle;
  };

  void it('orders cancel while Hublify cannot be asked: NOT cancelled (exit 1), the order waits for support; with --stop-tracking the relay stops, saying it is NOT KNOWN whether Hublify holds it', async () => {
    const order = sampleOrder();
    try {
      const handle = await lostReplyOrder(order);
      // order_get still answers 500: the cancel's look-up cannot ask Hublify, so nothing is cancelled.
      const cli = await runCliProcess(system, ['orders', 'cancel', order.order_number, '--reason', 'customer phoned']);
      const said = `stdout: ${cli.stdout}\nstderr: ${cli.stderr}`;
      assert.equal(cli.code, 1, said);
      assert.match(cli.stdout, /NOT cancelled: .*Hublify could not be asked whether it holds order/, said);
      assert.match(cli.stdout, /--stop-tracking/, said);
      assert.doesNotMatch(cli.stdout, /never had/);
      const waiting = await waitForStatus(handle, (st) => /NOT cancelled/.test(st.lastError ?? ''));
      assert.equal(waiting.stage, 'NEEDS_ATTENTION');
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      // The admin API says the same: 409, nothing cancelled, and what to do next.
      const res = await fetch(`${system.baseUrl}/admin/orders/${order.order_number}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'customer phoned' }),
      });
      const body = (await res.json()) as { outcome: string; kind: string; advice: string; closed: boolean };
      assert.equal(res.status, 409, JSON.stringify(body));
      assert.equal(body.outcome, 'unknown-in-hublify');
      assert.equal(body.kind, 'conflict');
      assert.match(body.advice, /--stop-tracking/);
      assert.equal(body.closed, false);

      const stop = await runCliProcess(system, [
        'orders',
        'cancel',
        order.order_number,
        '--reason',
        'customer phoned',
        '--stop-tracking',
      ]);
      const stopSaid = `stdout: ${stop.stdout}\nstderr: ${stop.stderr}`;
      assert.equal(stop.code, 0, stopSaid);
      assert.match(stop.stdout, /NOT KNOWN whether Hublify holds the order/, stopSaid);
      assert.doesNotMatch(stop.stdout, /never had/);
      const result = await handle.result();
      assert.equal(result.stage, 'CANCELLED');
      assert.doesNotMatch(result.history.at(-1)?.detail ?? '', /never had/);
      assert.equal(held(order.order_number).length, 1, 'Hublify does hold it: no answer denied it');
    } finally {
      system.sandbox.clearFaults();
    }
  });

  void it('an item amendment after the lost reply: adopted, items sent by order_update (which Hublify refuses), one Hublify order; cancel then names it', async () => {
    const order = sampleOrder();
    try {
      const handle = await lostReplyOrder(order);
      system.sandbox.clearFaults();

      const request = (await handle.query(requestQuery)) as HublifyOrderCreateRequest;
      const items = (request.fields.order.orderitems ?? []).map((item) => ({
        ...item,
        oi_quantity: (item.oi_quantity ?? 1) + 5,
      }));
      const answer = await handle.executeUpdate(amendUpdate, { args: [{ orderitems: items }] });
      const [inHublify] = held(order.order_number);
      assert.equal(answer.hublifyOrderId, inHublify!.orderid, JSON.stringify(answer));
      assert.equal(answer.outcome, 'refused', JSON.stringify(answer));
      assert.deepEqual(answer.refused, ['orderitems']);
      assert.ok(
        answer.messages.some((m) => /orderitems/.test(m)),
        `Hublify's own words on the refused field: ${JSON.stringify(answer.messages)}`,
      );
      assert.ok(!answer.messages.some((m) => /another order holds number/.test(m)), JSON.stringify(answer.messages));

      const status = await waitForStatus(handle, (s) => s.hublify !== null);
      assert.equal(status.hublify?.orderId, inHublify!.orderid);
      assert.doesNotMatch(status.lastError ?? '', /another order holds number/);
      // What the sandbox received: one order, two order_create calls (the second met the duplicate),
      // and one order_update carrying the amended items (refused: Hublify keeps the quantities it had).
      assert.equal(held(order.order_number).length, 1);
      assert.equal(system.sandbox.orderCreateCalls(order.order_number), 2);
      const [after] = held(order.order_number);
      assert.equal(after!.updates.length, 1);
      assert.match(JSON.stringify(after!.updates[0]!.request), /orderitems/);
      const quantities = (r: HublifyOrderCreateRequest['fields']['order'] | Record<string, unknown>) =>
        ((r.orderitems ?? []) as { oi_quantity?: number }[]).map((i) => Number(i.oi_quantity));
      assert.deepEqual(quantities(after!.order), quantities(request.fields.order), 'Hublify keeps its items');
      const shown = (await handle.query(requestQuery)) as HublifyOrderCreateRequest;
      assert.deepEqual(
        quantities(shown.fields.order),
        quantities(request.fields.order),
        'the relay says what Hublify holds',
      );

      await assert.rejects(
        handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer phoned' }] }),
        (err: unknown) => {
          assert.ok(err instanceof WorkflowUpdateFailedError);
          assert.equal(failureType(err), CANCEL_REFUSED_IN_HUBLIFY);
          assert.match(
            String((err.cause as Error).message),
            new RegExp(`Hublify holds this order as ${inHublify!.orderid}`),
          );
          return true;
        },
      );
      await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'test done', stopTracking: true }] });
      const result = await handle.result();
      assert.equal(result.hublifyStillLive, true);
    } finally {
      system.sandbox.clearFaults();
    }
  });
});
