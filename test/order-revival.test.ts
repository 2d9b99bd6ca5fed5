// A finished order is not revived after Temporal deletes its workflow (issue 24.5). Apicbase's
// signature has no timestamp or nonce, so a delivery captured once can be re-sent byte for byte after
// retention: the order record store, asked before every start, answers for the closed order. Real HTTP,
// a real Temporal dev server (the workflow really deleted), the Hublify sandbox counting order_create.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderWorkflowId, type ApicbaseOrder } from '../src/apicbase/order';
import { OperationError } from '../src/operations/errors';
import { replayOrder } from '../src/operations/order-actions';
import { operationsContext } from '../src/operations/context';
import { startOrder } from '../src/orders/start-order';
import { orderWorkflowSettings } from '../src/orders/order-settings';
import { cancelUpdate, pollNowSignal } from '../workflows/order-messages';
import type { OrderStatus } from '../workflows/order-status';
import { eventually, workflowExists } from './helpers/ingress';
import { relayRecordedStage, stageIs, waitForStatus } from './helpers/orders';
import { sampleOrder } from './helpers/sample-order';
import { useTestSystem } from './helpers/system';
import { deliverOrder } from './helpers/webhook';

void describe('a finished order stays finished after its workflow is deleted (retention)', () => {
  const system = useTestSystem({ TRACK_POLL_SCHEDULE: '1h' });

  const client = () => system.relay.client;
  const createCalls = (order: ApicbaseOrder) => system.sandbox.orderCreateCalls(order.order_number);

  /** Deletes the order's workflow as retention would, and waits until Temporal no longer has it. */
  async function deleteWorkflow(order: ApicbaseOrder): Promise<void> {
    const workflowId = orderWorkflowId(order.id);
    await client().workflowService.deleteWorkflowExecution({
      namespace: system.config.TEMPORAL_NAMESPACE,
      workflowExecution: { workflowId },
    });
    await eventually(async () => assert.equal(await workflowExists(client(), workflowId), false, 'deleted'));
  }

  /** Every way in (webhook re-sent byte for byte, support's replay, a pull's start) starts nothing and answers for the closed order. */
  async function nothingRevives(
    order: ApicbaseOrder,
    stage: OrderStatus['stage'],
    createCallsBefore: number,
  ): Promise<void> {
    const workflowId = orderWorkflowId(order.id);
    const again = await deliverOrder(system.baseUrl, order);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.stage, stage, JSON.stringify(again.body));

    const ctx = operationsContext(system.config, client(), relayRecordedStage(system));
    await assert.rejects(
      replayOrder(ctx, order),
      (err: unknown) =>
        err instanceof OperationError && err.kind === 'conflict' && /already finished/.test(err.message),
    );

    const starter = {
      client: client(),
      taskQueue: system.config.TEMPORAL_TASK_QUEUE,
      settings: () => orderWorkflowSettings(system.config),
      recordedStage: relayRecordedStage(system),
    };
    assert.deepEqual(await startOrder(starter, order, 'pull'), {
      workflowId,
      alreadyFinished: true,
      finalStage: stage,
    });

    assert.equal(await workflowExists(client(), workflowId), false, 'no workflow was started again');
    assert.equal(createCalls(order), createCallsBefore, 'Hublify received no order_create');
  }

  void it('shipped, deleted, the identical signed delivery re-sent: answered SHIPPED, nothing started, one order_create in all', async () => {
    const order = sampleOrder();
    const first = await deliverOrder(system.baseUrl, order);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const handle = client().workflow.getHandle(orderWorkflowId(order.id));
    const waiting = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    system.sandbox.ship(waiting.hublify!.orderId);
    await handle.signal(pollNowSignal);
    assert.equal(((await handle.result()) as OrderStatus).stage, 'SHIPPED');
    assert.equal(await system.relay.store!.latestStage(handle.workflowId), 'SHIPPED');
    assert.equal(createCalls(order), 1);

    await deleteWorkflow(order);
    await nothingRevives(order, 'SHIPPED', 1);
  });

  void it('refused by Hublify, cancelled by support, deleted, re-sent: answered CANCELLED, nothing started, Hublify has no order', async () => {
    const order = sampleOrder();
    system.sandbox.injectFault({ kind: 'refuse', count: 1, verbs: ['order_create'] });
    const first = await deliverOrder(system.baseUrl, order);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const handle = client().workflow.getHandle(orderWorkflowId(order.id));
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer withdrew the order' }] });
    assert.equal(cancelled.outcome, 'cancelled', JSON.stringify(cancelled));
    assert.equal(((await handle.result()) as OrderStatus).stage, 'CANCELLED');
    const calls = createCalls(order);
    assert.equal(calls, 1, 'the one refused order_create');
    // While Temporal still keeps the run, support's replay is refused too (conflict: the admin API's 409).
    await assert.rejects(
      replayOrder(operationsContext(system.config, client(), relayRecordedStage(system)), order),
      (err: unknown) => err instanceof OperationError && err.kind === 'conflict',
    );
    assert.equal(createCalls(order), calls);

    await deleteWorkflow(order);
    await nothingRevives(order, 'CANCELLED', calls);
    assert.equal(
      system.sandbox.orders().filter((o) => o.o_orderid_external === order.order_number).length,
      0,
      'Hublify holds no such order',
    );
  });

  void it('a rejected order (shown to the customer as 422) may still be placed again once fixed, as before', async () => {
    const order = sampleOrder({ status: 'DRAFT' });
    const rejected = await deliverOrder(system.baseUrl, order);
    assert.equal(rejected.status, 422, JSON.stringify(rejected.body));
    await eventually(async () =>
      assert.equal(await system.relay.store!.latestStage(orderWorkflowId(order.id)), 'REJECTED'),
    );
    const fixed = await deliverOrder(system.baseUrl, { ...order, status: 'ORDERED' });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    await waitForStatus(client().workflow.getHandle(orderWorkflowId(order.id)), stageIs('WAITING_FOR_SHIPMENT'));
  });
});
