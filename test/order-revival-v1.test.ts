// A cancelled v1 run is not revived (issue 22 item 5, invariant I6). v1 rethrows the cancellation, so its
// execution ends CANCELED, and the workflow id reuse policy (ALLOW_DUPLICATE_FAILED_ONLY) lets Temporal
// start a new run after it: only the order store's check (issue 24.5) stands between a re-sent webhook, a
// pull or a replay and an order support cancelled before it reached Hublify. Here a relay runs the v1
// code, support cancels the order, the relay is deployed with today's code, and every way in is tried.
// Real HTTP, a real Temporal dev server, the Hublify sandbox counting order_create.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { orderWorkflowId } from '../src/apicbase/order';
import { FAILURE_CONVERTER_PATH } from '../src/codec';
import { operationsContext } from '../src/operations/context';
import { OperationError } from '../src/operations/errors';
import { cancelOrder, replayOrder } from '../src/operations/order-actions';
import { startOrder } from '../src/orders/start-order';
import { orderWorkflowSettings } from '../src/orders/order-settings';
import { relayRecordedStage, stageIs, waitForStatus } from './helpers/orders';
import { sampleOrder } from './helpers/sample-order';
import { startTestSystem, testWorkflowBundle, type TestSystem } from './helpers/system';
import { deliverOrder } from './helpers/webhook';

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined };

void describe('a cancelled v1 run stays cancelled after the v2 deploy (issue 22 item 5)', () => {
  let system: TestSystem;
  before(async () => {
    const v1 = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'fixtures', 'v1-order-workflows.ts'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: { ...quiet, warn: () => undefined, error: (m: string) => process.stderr.write(`${m}\n`) },
    });
    system = await startTestSystem({ TRACK_POLL_SCHEDULE: '1h' }, { workflowBundle: v1 });
  });
  after(async () => {
    await system?.close();
  });

  void it('cancelled by support on v1 (execution CANCELED): a re-sent webhook, a pull and a replay start nothing and inject nothing', async () => {
    const order = sampleOrder();
    const workflowId = orderWorkflowId(order.id);
    const client = () => system.relay.client;
    const ctx = () => operationsContext(system.config, client(), relayRecordedStage(system));

    // On v1: Hublify refuses the order, it waits for support, support cancels it (v1 has no cancel update:
    // the reason signal and Temporal's own cancel).
    system.sandbox.injectFault({ kind: 'refuse', count: 1, verbs: ['order_create'] });
    const first = await deliverOrder(system.baseUrl, order);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const handle = client().workflow.getHandle(workflowId);
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    const cancelled = await cancelOrder(ctx(), order.id, 'customer withdrew the order', { waitMs: 60_000 });
    assert.equal(cancelled.outcome, 'cancelled', JSON.stringify(cancelled));
    await assert.rejects(handle.result(), WorkflowFailedError);
    const v1Run = await handle.describe();
    assert.equal(v1Run.status.name, 'CANCELLED', 'v1 rethrows the cancellation: the execution ends CANCELED');
    assert.equal(await system.relay.store!.latestStage(workflowId), 'CANCELLED');
    assert.equal(system.sandbox.orderCreateCalls(order.order_number), 1, 'the one refused order_create');

    // Deployed with today's workflow code.
    await system.restartRelay({}, { workflowBundle: await testWorkflowBundle() });

    const again = await deliverOrder(system.baseUrl, order);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.stage, 'CANCELLED', JSON.stringify(again.body));

    await assert.rejects(
      replayOrder(ctx(), order),
      (err: unknown) =>
        err instanceof OperationError && err.kind === 'conflict' && /already finished/.test(err.message),
    );

    const starter = (withStore: boolean) => ({
      client: client(),
      taskQueue: system.config.TEMPORAL_TASK_QUEUE,
      settings: () => orderWorkflowSettings(system.config),
      recordedStage: withStore ? relayRecordedStage(system) : null,
    });
    assert.deepEqual(await startOrder(starter(true), order, 'pull'), {
      workflowId,
      alreadyFinished: true,
      finalStage: 'CANCELLED',
    });

    const now = await client().workflow.getHandle(workflowId).describe();
    assert.deepEqual([now.runId, now.status.name], [v1Run.runId, 'CANCELLED'], 'no run was started after the v1 run');
    assert.equal(system.sandbox.orderCreateCalls(order.order_number), 1, 'Hublify received no order_create');
    assert.equal(system.sandbox.orders().filter((o) => o.o_orderid_external === order.order_number).length, 0);

    // The store is the guard: Temporal's reuse policy alone would start the order again after CANCELED.
    const unguarded = await startOrder(starter(false), order, 'pull');
    assert.equal(unguarded.alreadyFinished, false, 'Temporal allows a new run after a CANCELED v1 run');
    await client().workflow.getHandle(workflowId).terminate('test: the unguarded start only shows the reuse policy');
  });
});
