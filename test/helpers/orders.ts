// Starting orders and waiting on their status in tests.
import type { WorkflowHandle } from '@temporalio/client';
import type { ApicbaseOrder } from '../../src/apicbase/order';
import { orderWorkflowSettings } from '../../src/orders/order-settings';
import {
  startOrder,
  startOrderAndAwaitVerdict,
  type OrderStarterDeps,
  type RecordedStageLookup,
} from '../../src/orders/start-order';
import { pollUntil } from '../../src/poll-until';
import { statusQuery } from '../../workflows/order-messages';
import type { OrderStatus, OrderWorkflowSettings } from '../../workflows/order-status';
import type { orderWorkflow } from '../../workflows/order-workflow';
import { PATIENCE_MS } from './patience';
import type { TestSystem } from './system';

/** What every role asks before starting an order: the relay's record store (src/orders/start-order.ts). */
export function relayRecordedStage(system: TestSystem): RecordedStageLookup | null {
  const store = system.relay.store;
  return store ? (workflowId) => store.latestStage(workflowId) : null;
}

/** How the relay starts orders, with the configured workflow settings but for `settings`. */
function testStarter(system: TestSystem, settings: Partial<OrderWorkflowSettings>): OrderStarterDeps {
  return {
    client: system.relay.client,
    taskQueue: system.config.TEMPORAL_TASK_QUEUE,
    settings: () => ({ ...orderWorkflowSettings(system.config), ...settings }),
    recordedStage: relayRecordedStage(system),
  };
}

export async function startTestOrder(
  system: TestSystem,
  order: ApicbaseOrder,
  settings: Partial<OrderWorkflowSettings> = {},
  source: 'webhook' | 'pull' | 'support' = 'webhook',
): Promise<WorkflowHandle<typeof orderWorkflow>> {
  const { workflowId } = await startOrder(testStarter(system, settings), order, source);
  return system.relay.client.workflow.getHandle<typeof orderWorkflow>(workflowId);
}

/**
 * Starts the order as the webhook in `verified` mode does (update-with-start) and takes the verdict,
 * which the workflow has a minute to answer; the answer comes with the order's handle.
 */
export async function startTestOrderWithVerdict(
  system: TestSystem,
  order: ApicbaseOrder,
  settings: Partial<OrderWorkflowSettings> = {},
) {
  const answer = await startOrderAndAwaitVerdict(
    testStarter(system, settings),
    order,
    'webhook',
    new AbortController().signal,
    Date.now() + 60_000,
  );
  return { ...answer, handle: system.relay.client.workflow.getHandle<typeof orderWorkflow>(answer.workflowId) };
}

/** Polls the `status` query every 100 ms until `done` holds; fails with the last status after `timeoutMs`. */
export function waitForStatus(
  handle: WorkflowHandle,
  done: (s: OrderStatus) => boolean,
  timeoutMs = PATIENCE_MS,
): Promise<OrderStatus> {
  let last: OrderStatus | undefined;
  const reached = async () => {
    last = await handle.query(statusQuery);
    return done(last) ? last : undefined;
  };
  return pollUntil(reached, {
    what: `the order's status condition (${handle.workflowId})`,
    timeoutMs,
    detail: () => `last status: ${JSON.stringify(last)}`,
  });
}

/**
 * A short injection retry budget, so an outage sends an order to support in seconds. The attempt after
 * support's `retry` must still finish within it on a busy 2-core machine: 1 s timed out there.
 */
export const SHORT_INJECT_RETRY: OrderWorkflowSettings['injectRetry'] = {
  initialIntervalMs: 100,
  maximumIntervalMs: 200,
  retryForMs: 3_000,
};

export const stageIs =
  (...stages: OrderStatus['stage'][]) =>
  (s: OrderStatus) =>
    stages.includes(s.stage);
