// Support is told true things while Hublify is away (issue 22 item 8, invariants I4 and I9): from the first
// failed order_create attempt `orders show` and `list --why` give the attempts and the last error; `retry`
// says what it does to an order Hublify does not have yet; an amendment whose attempt failed is pending
// (it goes with the next attempt), never REFUSED. Real Temporal dev server, worker and Hublify sandbox.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operationsContext } from '../src/operations/context';
import { amendOrder, retryOrder } from '../src/operations/order-actions';
import { explainOrder, showOrder, summary } from '../src/operations/orders';
import { pollUntil } from '../src/poll-until';
import { statusQuery } from '../workflows/order-messages';
import { PATIENCE_MS } from './helpers/patience';
import { SHORT_INJECT_RETRY, relayRecordedStage, stageIs, startTestOrder, waitForStatus } from './helpers/orders';
import { sampleOrder } from './helpers/sample-order';
import { useTestSystem } from './helpers/system';

void describe('support is told the truth while Hublify is away (issue 22 item 8)', () => {
  const system = useTestSystem({ TRACK_POLL_SCHEDULE: '1h' });
  const ctx = () => operationsContext(system.config, system.relay.client, relayRecordedStage(system));
  const heldBy = (orderNumber: string) => system.sandbox.orders().filter((o) => o.o_orderid_external === orderNumber);

  void it('from the first failed order_create, orders show and list --why give the attempts and last error; retry says it changes nothing', async (t) => {
    t.after(() => system.sandbox.clearFaults());
    const order = sampleOrder();
    system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_create'] });
    // A budget far longer than the test: Temporal keeps retrying, the workflow hears of no attempt yet.
    const handle = await startTestOrder(system, order, {
      injectRetry: { initialIntervalMs: 200, maximumIntervalMs: 1_000, retryForMs: 600_000 },
    });
    const shown = await pollUntil(
      async () => {
        const details = await showOrder(ctx(), order.id);
        return (details.attempts?.inject ?? 0) >= 1 ? details : undefined;
      },
      { what: 'orders show to count a failed order_create', timeoutMs: PATIENCE_MS },
    );
    assert.equal(shown.stage, 'VERIFIED');
    assert.match(
      shown.lastError ?? '',
      /^Hublify could not be reached: order_create failed \d+ time\(s\), last: HublifyUnavailable: .*500.*tries again by itself until /,
    );
    assert.ok(
      system.sandbox.orderCreateCalls(order.order_number) >= shown.attempts!.inject,
      'each counted attempt reached Hublify',
    );
    // The workflow's own status has not heard of them: the view is Temporal's pending activity.
    assert.equal((await handle.query(statusQuery)).lastError, null);

    const listed = await explainOrder(ctx(), summary(ctx(), await handle.describe()));
    assert.equal(listed.failureType, 'HublifyUnavailable');
    assert.match(listed.why ?? '', /^Hublify could not be reached: order_create failed/);

    const retried = await retryOrder(ctx(), order.id);
    assert.doesNotMatch(retried.note ?? '', /only polls/);
    assert.match(
      retried.note ?? '',
      /Hublify does not have it yet: order-relay is still trying .*retry changes nothing now/,
    );

    system.sandbox.clearFaults();
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    const after = await showOrder(ctx(), order.id);
    assert.equal(after.lastError, null);
    assert.ok(after.attempts!.inject >= 2, `attempts ${JSON.stringify(after.attempts)}`);
    assert.equal(heldBy(order.order_number).length, 1);
  });

  void it('an amendment stops an attempt while Hublify is away: the attempt counts, and the retried look-up is the last error', async (t) => {
    t.after(() => system.sandbox.clearFaults());
    const order = sampleOrder();
    system.sandbox.injectFault({ kind: 'http500', forMs: 600_000 });
    const handle = await startTestOrder(system, order, {
      injectRetry: { initialIntervalMs: 200, maximumIntervalMs: 1_000, retryForMs: 600_000 },
      amendWaitMs: 300,
    });
    await pollUntil(() => system.sandbox.orderCreateCalls(order.order_number) >= 1, {
      what: 'a first order_create',
      timeoutMs: PATIENCE_MS,
    });
    const amended = await amendOrder(ctx(), order.id, { order: { deliver_street: 'Wahrheitsweg 9' } });
    assert.equal(amended.outcome, 'pending', JSON.stringify(amended));
    // The stopped attempt may have created the order: Hublify is asked (order_get), which fails and is retried.
    const shown = await pollUntil(
      async () => {
        const details = await showOrder(ctx(), order.id);
        return /^could not ask Hublify/.test(details.lastError ?? '') ? details : undefined;
      },
      { what: 'orders show to name the failing look-up', timeoutMs: PATIENCE_MS },
    );
    assert.match(
      shown.lastError ?? '',
      new RegExp(`^could not ask Hublify whether it has order ${order.order_number}: order_get failed \\d+ time`),
    );
    assert.ok(shown.attempts!.inject >= 1, `the stopped attempt counts: ${JSON.stringify(shown.attempts)}`);
    const listed = await explainOrder(ctx(), summary(ctx(), await handle.describe()));
    assert.equal(listed.failureType, 'HublifyUnavailable');

    system.sandbox.clearFaults();
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(heldBy(order.order_number)[0]?.order.deliver_street, 'Wahrheitsweg 9');
  });

  void it('an amendment whose attempt failed is pending, not REFUSED, and the next attempt sends it', async (t) => {
    t.after(() => system.sandbox.clearFaults());
    const order = sampleOrder();
    system.sandbox.injectFault({ kind: 'http500', forMs: 600_000, verbs: ['order_create'] });
    const handle = await startTestOrder(system, order, { injectRetry: SHORT_INJECT_RETRY });
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));

    // The amendment sends the order again (it waited for support); Hublify is still away, so that attempt fails.
    const amended = await amendOrder(ctx(), order.id, { order: { deliver_street: 'Wahrheitsweg 8' } });
    assert.deepEqual(
      [amended.outcome, amended.pending, amended.refused, amended.pendingFields],
      ['pending', true, [], ['deliver_street']],
      JSON.stringify(amended),
    );
    assert.equal(heldBy(order.order_number).length, 0, 'Hublify holds nothing yet');

    system.sandbox.clearFaults();
    await retryOrder(ctx(), order.id);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    const held = heldBy(order.order_number);
    assert.equal(held.length, 1);
    assert.equal(held[0]!.order.deliver_street, 'Wahrheitsweg 8', 'the pending correction reached Hublify');
  });
});
