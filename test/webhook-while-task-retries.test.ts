// A redelivered webhook while the order's workflow task is being retried. Temporal refuses every update
// then ("Workflow Task in failed state") — after a worker died in a task, until a worker completes one:
// minutes on a loaded machine whose workers keep restarting (seen in the soak). The order is durable in
// Temporal all the while, so the webhook answers 202 (accepted, verdict not shown), never a 5xx that
// shows the customer an error. Here the task fails because the relay was deployed with workflow code
// that cannot replay the order's history (the frozen v1 code); today's code then takes the order on.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bundleWorkflowCode } from '@temporalio/worker';
import { orderWorkflowId } from '../src/apicbase/order';
import { FAILURE_CONVERTER_PATH } from '../src/codec';
import { pollUntil } from '../src/poll-until';
import { pollNowSignal } from '../workflows/order-messages';
import { stageIs, waitForStatus } from './helpers/orders';
import { PATIENCE_MS } from './helpers/patience';
import { sampleOrder } from './helpers/sample-order';
import { startTestSystem, testWorkflowBundle, type TestSystem } from './helpers/system';
import { deliverOrder } from './helpers/webhook';

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined };

void describe('a redelivered webhook while the workflow task is retried', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({ TRACK_POLL_SCHEDULE: '1h' });
  });
  after(async () => {
    await system?.close();
  });

  void it('answers 202 (the order is in Temporal), not 503; the order goes on once a worker completes the task', async () => {
    const order = sampleOrder();
    const first = await deliverOrder(system.baseUrl, order);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    // The relay's client is replaced at each restart: a handle from the current one.
    const handleNow = () => system.relay.client.workflow.getHandle(orderWorkflowId(order.id));
    await waitForStatus(handleNow(), stageIs('WAITING_FOR_SHIPMENT'));

    // Deployed with code that cannot replay this history: every task of the order fails, and is retried.
    const v1 = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'fixtures', 'v1-order-workflows.ts'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: { ...quiet, warn: () => undefined, error: () => undefined },
    });
    await system.restartRelay({}, { workflowBundle: v1 });
    const handle = handleNow();
    await handle.signal(pollNowSignal);
    await pollUntil(async () => ((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) >= 2, {
      what: 'the order workflow task failed and retried',
      timeoutMs: PATIENCE_MS,
    });

    const again = await deliverOrder(system.baseUrl, order);
    assert.equal(again.status, 202, JSON.stringify(again.body));
    assert.equal(again.body.workflowId, orderWorkflowId(order.id));
    assert.equal((await handle.describe()).status.name, 'RUNNING');

    // Today's code again: the task completes, the pollNow is acted on, and nothing was injected twice.
    await system.restartRelay({}, { workflowBundle: await testWorkflowBundle() });
    await waitForStatus(handleNow(), (st) => st.stage === 'WAITING_FOR_SHIPMENT' && st.attempts.polls >= 1);
    assert.equal(system.sandbox.orderCreateCalls(order.order_number), 1);
  });
});
