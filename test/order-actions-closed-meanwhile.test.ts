// Support's retry and poll on an order that closed between its look-up and the signal (it shipped
// meanwhile): answered as a closed order — "already shipped" for a poll, 409 conflict for a retry —
// never "order not found".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operationsContext } from '../src/operations/context';
import { OperationError } from '../src/operations/errors';
import { pollOrder, retryOrder } from '../src/operations/order-actions';
import { resolveOrder } from '../src/operations/orders';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import { pollNowSignal } from '../workflows/order-messages';
import { relayRecordedStage, startTestOrder, stageIs, waitForStatus } from './helpers/orders';
import { sampleOrder } from './helpers/sample-order';
import { useTestSystem } from './helpers/system';

void describe('retry and poll of an order that shipped after it was looked up', () => {
  const system = useTestSystem();

  void it('poll says it already shipped; retry is a conflict', async () => {
    const ctx = operationsContext(system.config, system.relay.client, relayRecordedStage(system));
    const order = sampleOrder();
    const handle = await startTestOrder(system, order, { pollSchedule: parsePollSchedule('1h') });
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    const lookedUp = await resolveOrder(ctx, order.id);
    assert.equal(lookedUp.description.status.name, 'RUNNING');

    system.sandbox.ship(order.order_number);
    await handle.signal(pollNowSignal);
    assert.equal((await handle.result()).stage, 'SHIPPED');

    const polled = await pollOrder(ctx, order.id, lookedUp);
    assert.deepEqual([polled.signalled, polled.stage], [null, 'SHIPPED']);
    assert.match(polled.note ?? '', /already shipped/);
    await assert.rejects(retryOrder(ctx, order.id, 'late', lookedUp), (err: unknown) => {
      assert.ok(err instanceof OperationError, String(err));
      assert.equal(err.kind, 'conflict', err.message);
      assert.match(err.message, /closed \(COMPLETED, stage SHIPPED\): nothing to retry/);
      return true;
    });
  });
});
