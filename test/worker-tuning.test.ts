// Worker capacity settings (WORKER_*): validated with clear errors, and handed to the Temporal worker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createOrderActivities } from '../activities';
import { ConfigError, loadConfig } from '../src/config';
import { HublifyClient } from '../src/hublify/client';
import { createOrderWorker, workerTuningFrom } from '../src/worker/order-worker';
import { loadCustomerDirectory } from '../src/customers/directory';
import { pollUntil } from '../src/poll-until';
import { openOrderStore } from '../src/store/order-store';
import { createLogger } from '../src/logger';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { PATIENCE_MS } from './helpers/patience';
import { testWorkflowBundle } from './helpers/system';
import { startTestTemporal } from './helpers/temporal';

void describe('worker tuning settings', () => {
  void it('more pollers than slots is a ConfigError naming the variable; a non-number too', () => {
    assert.throws(
      () => loadConfig({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '4', WORKER_WORKFLOW_TASK_POLLERS: '5' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) =>
          p.startsWith('WORKER_WORKFLOW_TASK_POLLERS: must not exceed WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'),
        ),
    );
    assert.throws(
      () => loadConfig({ WORKER_MAX_CONCURRENT_ACTIVITIES: '3', WORKER_ACTIVITY_TASK_POLLERS: '4' }),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.some((p) => p.startsWith('WORKER_ACTIVITY_TASK_POLLERS:')),
    );
    assert.throws(
      () => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: 'lots' }),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.some((p) => p.startsWith('WORKER_MAX_CACHED_WORKFLOWS:')),
    );
  });

  void describe('against a real Temporal dev server', () => {
    let env: TestWorkflowEnvironment;
    before(async () => {
      installTemporalRuntime(createLogger('silent'));
      env = await startTestTemporal();
    });
    after(async () => {
      await env?.teardown();
    });

    void it('the order worker runs with the configured slots, pollers and sticky cache', async () => {
      const config = loadConfig({
        WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '7',
        WORKER_MAX_CONCURRENT_ACTIVITIES: '9',
        WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: '11',
        WORKER_WORKFLOW_TASK_POLLERS: '3',
        WORKER_ACTIVITY_TASK_POLLERS: '4',
        WORKER_MAX_CACHED_WORKFLOWS: '123',
      });
      const store = await openOrderStore(':memory:');
      try {
        const hublify = new HublifyClient({
          baseUrl: 'http://127.0.0.1:9',
          channel: 'channel_10',
          token: 't',
          timeoutMs: 1000,
        });
        const activities = createOrderActivities({
          hublify,
          customers: () => loadCustomerDirectory(config.CUSTOMER_DIRECTORY_FILE),
          store,
        });
        const worker = await createOrderWorker({
          connection: env.nativeConnection,
          namespace: env.namespace ?? 'default',
          taskQueue: 'tuning-check',
          activities,
          workflowBundle: await testWorkflowBundle(),
          tuning: workerTuningFrom(config),
        });
        // It starts polling with them (the SDK checks them then), and stops.
        let ran = false;
        await worker.runUntil(async () => {
          await pollUntil(() => worker.getState() === 'RUNNING', {
            what: 'the worker to run',
            timeoutMs: PATIENCE_MS,
            everyMs: 20,
          });
          ran = true;
        });
        assert.ok(ran, 'the worker ran');
        const o = worker.options;
        assert.equal(o.maxCachedWorkflows, 123);
        assert.deepEqual(o.workflowTaskPollerBehavior, { type: 'simple-maximum', maximum: 3 });
        assert.deepEqual(o.activityTaskPollerBehavior, { type: 'simple-maximum', maximum: 4 });
        const slots = o.tuner as unknown as Record<string, { numSlots?: number }>;
        assert.equal(slots.workflowTaskSlotSupplier?.numSlots, 7);
        assert.equal(slots.activityTaskSlotSupplier?.numSlots, 9);
        assert.equal(slots.localActivityTaskSlotSupplier?.numSlots, 11);
      } finally {
        await store.close();
      }
    });
  });
});
