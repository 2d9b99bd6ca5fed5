// `orders show` of a completed order with no worker running. A status query of a closed run needs a
// worker to replay the run (it fails when none runs, or not in time under load); a completed run's
// status is its result, which Temporal answers alone (src/operations/orders.ts, queryStatus).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OrderStatus } from '../workflows/order-status';
import { runCliJson, runCliProcess } from './helpers/cli-process';
import { startTestOrder, stageIs, waitForStatus } from './helpers/orders';
import { sampleOrder } from './helpers/sample-order';
import { useTestSystem } from './helpers/system';

const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

void describe('orders show of a completed order', () => {
  const system = useTestSystem();

  void it('answers with NO worker running: the status, shipments and history come from the run’s result', async () => {
    const o = sampleOrder({ expected_delivery_date: inAWeek() });
    const handle = await startTestOrder(system, o);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    system.sandbox.ship(o.order_number, {
      shipments: [{ carrier: 'dhl', carrierName: 'DHL', trackingCode: 'JJD-DONE-1' }],
    });
    assert.equal((await handle.result()).stage, 'SHIPPED');

    // No worker from here on: nothing can answer a query.
    const worker = system.relay.worker;
    assert.ok(worker, 'the test system runs a worker');
    worker.shutdown();
    await system.relay.workerDone;
    assert.equal(worker.getState(), 'STOPPED');

    const shown = await runCliJson<Partial<OrderStatus> & { execution: string; statusUnavailable?: string }>(system, [
      'orders',
      'show',
      o.id,
    ]);
    assert.equal(shown.statusUnavailable, undefined, JSON.stringify(shown));
    assert.equal(shown.execution, 'COMPLETED');
    assert.equal(shown.stage, 'SHIPPED');
    // Only the workflow's status holds these (visibility has neither).
    assert.deepEqual(
      shown.shipments?.map((s) => s.trackingCode),
      ['JJD-DONE-1'],
    );
    assert.equal(shown.history?.at(-1)?.stage, 'SHIPPED');

    const text = await runCliProcess(system, ['orders', 'show', o.id]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /JJD-DONE-1 +DHL/);
    assert.doesNotMatch(text.stdout, /did not answer the status query/);
  });
});
