// The production topology on real engines: a Temporal server on PostgreSQL (built from the Go module
// proxy, scripts/temporal-server/), order-relay's API and worker roles as separate OS processes
// (src/main.ts) loading the workflow bundle made at build time, and the Hublify sandbox over HTTP.
// In `npm test`; `npm run test:cluster` runs the cluster tests alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderWorkflowId } from '../../src/apicbase/order';
import { pollNowSignal, statusQuery } from '../../workflows/order-messages';
import { stageIs, waitForStatus } from '../helpers/orders';
import { relayClusterForSuite, until, type RelayCluster } from '../helpers/relay-cluster';
import { sampleOrder } from '../helpers/sample-order';
import { deliverOrder } from '../helpers/webhook';

void describe('order-relay on a Temporal server on PostgreSQL, roles as processes', () => {
  const rc = relayClusterForSuite();
  const start: RelayCluster['start'] = (...args) => rc().start(...args);
  const handleOf: RelayCluster['handleOf'] = (id) => rc().handleOf(id);

  void it('an order flows from an API process through a worker process to Hublify and is found by its search attributes', async () => {
    const api = await start('api', 'api-flow');
    const worker = await start('worker', 'worker-flow');
    const order = sampleOrder();

    const res = await deliverOrder(api.baseUrl!, order);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.stage, 'VERIFIED');
    await waitForStatus(handleOf(order.id), stageIs('WAITING_FOR_SHIPMENT'), 60_000);
    rc().sandbox.ship(order.order_number);
    // The API's settings (its TRACK_POLL_SCHEDULE) went into the workflow; support's poll-now asks at once.
    await handleOf(order.id).signal(pollNowSignal);
    const status = await waitForStatus(handleOf(order.id), stageIs('SHIPPED'), 60_000);
    assert.equal(status.shipments.length, 1);
    assert.equal(rc().sandbox.orderCreateCalls(order.order_number), 1);

    // Visibility on PostgreSQL with the search attributes registered through the operator service.
    await until('the SHIPPED order in visibility', async () => {
      let found = 0;
      for await (const w of rc().client.workflow.list({
        query: `OrderNumber = "${order.order_number}" AND OrderStage = "SHIPPED"`,
      }))
        found += w.workflowId === orderWorkflowId(order.id) ? 1 : 0;
      return found === 1;
    });

    // The worker process's endpoint: its business metrics, the SDK's, and the process's own memory.
    let metrics = '';
    // Counted when the SHIPPED stage's recording activity has run, a moment after the stage is entered.
    await until("the worker's metrics to count the shipment", async () => {
      metrics = await (await fetch(worker.metricsUrl!)).text();
      return /^order_relay_orders_shipped_total 1$/m.test(metrics);
    });
    assert.match(metrics, /^temporal_worker_start\{/m);
    assert.match(metrics, /^order_relay_process_resident_memory_bytes [1-9]/m);
    assert.match(metrics, /^order_relay_nodejs_heap_size_used_bytes [1-9]/m);

    assert.deepEqual(await api.stop(), { code: 0, signal: null });
    assert.deepEqual(await worker.stop(), { code: 0, signal: null });
  });

  void it('SIGTERM: the API stops accepting and answers its in-flight request; the worker finishes its in-flight activity, then exits', async () => {
    // No worker yet: the verified-mode request waits in the API for the verdict.
    const api = await start('api', 'api-drain', { WEBHOOK_VERIFY_DEADLINE_MS: '120000' });
    const order = sampleOrder();
    const inFlight = deliverOrder(api.baseUrl!, order);
    await until(
      'the workflow to exist',
      async () =>
        !!(await handleOf(order.id)
          .describe()
          .catch(() => undefined)),
    );

    const apiExit = api.stop();
    await until('the API to refuse new connections', async () => {
      try {
        await fetch(`${api.baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
        return false;
      } catch (err) {
        return /ECONNREFUSED/.test(String((err as { cause?: unknown }).cause ?? err));
      }
    });

    // Hublify is slow with this order: the worker gets SIGTERM while order_create is in flight.
    // (Slower than the drain takes to start, well within the worker's Hublify timeout: one call, no retry.)
    rc().sandbox.injectFault({ kind: 'slow', delayMs: 5_000, count: 1, verbs: ['order_create'] });
    const worker = await start('worker', 'worker-drain', { HUBLIFY_TIMEOUT_MS: '60000' });
    const answer = await inFlight;
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.stage, 'VERIFIED');
    assert.deepEqual(await apiExit, { code: 0, signal: null });

    await until('order_create in flight', () => rc().sandbox.orderCreateCalls(order.order_number) >= 1).catch(
      async (err: unknown) => {
        const status = await handleOf(order.id)
          .query(statusQuery)
          .catch((e: unknown) => String(e));
        throw new Error(`${String(err)}; status ${JSON.stringify(status)}; worker:\n${worker.output()}`);
      },
    );
    const workerExit = await worker.stop();
    assert.deepEqual(workerExit, { code: 0, signal: null });
    // The drained attempt's result reached Temporal: a second worker only carries on from there.
    const next = await start('worker', 'worker-after-drain');
    const status = await waitForStatus(handleOf(order.id), stageIs('WAITING_FOR_SHIPMENT'), 60_000);
    assert.equal(status.attempts.inject, 1, 'the in-flight attempt completed; no retry');
    assert.equal(rc().sandbox.orderCreateCalls(order.order_number), 1);
    assert.deepEqual(await next.stop(), { code: 0, signal: null });
  });
});
