// The engine's floor, measured in the same run on the same machine: (a) a bare express handler, (b) a
// bare client.workflow.start, (c) update-with-start of a workflow answered after one local activity,
// (d) a workflow with one local and one remote activity calling the Hublify sandbox's order_create.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { HublifyClient } from '../../src/hublify/client';
import { exampleOrderCreateRequest } from '../../src/hublify/sandbox/example-order';
import { ordersPerSecondIntoHublify, settledDeliveries, type DeliveryCheck } from './deliveries';
import { createFloorActivities } from './floor-activities';
import { startFloorServer } from './floor-server';
import { answerUpdate, injectFloorWorkflow, startFloorWorkflow, verdictFloorWorkflow } from './floor-workflows';
import { loadHttp, type LoadResult } from './load';
import { BENCH_CHANNEL_TOKEN, type BenchSystem } from './system';

export type FloorKind = 'http' | 'start' | 'updateWithStart' | 'inject';

export interface FloorRun {
  floor: FloorKind;
  senders: number;
  load: LoadResult;
  /** (d): orders per second into Hublify, from the first request until the last order_create. */
  ordersPerSecondIntoHublify?: number;
  delivery?: DeliveryCheck;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
const floorBundle = () =>
  (bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('./floor-workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  }));

export async function runFloor(
  system: BenchSystem,
  floor: FloorKind,
  senders: number,
  durationSeconds: number,
  drainTimeoutMs: number,
  overallRate?: number,
): Promise<FloorRun> {
  const { client } = system;
  const taskQueue = `floor-${floor}-${senders}-${randomUUID().slice(0, 8)}`;
  const hublify = new HublifyClient({
    baseUrl: system.sandbox.url,
    channel: 'channel_10',
    token: BENCH_CHANNEL_TOKEN,
    timeoutMs: 15_000,
  });
  const worker = await Worker.create({
    connection: system.nativeConnection,
    taskQueue,
    workflowBundle: await floorBundle(),
    activities: createFloorActivities(hublify),
  });
  let n = 0;
  const startedIds: string[] = [];
  const handlers: Record<FloorKind, () => Promise<unknown>> = {
    http: () => Promise.resolve(),
    start: () => client.workflow.start(startFloorWorkflow, { taskQueue, workflowId: `${taskQueue}-${++n}` }),
    updateWithStart: () => {
      const workflowId = `${taskQueue}-${++n}`;
      const startWorkflowOperation = new WithStartWorkflowOperation(verdictFloorWorkflow, {
        workflowId,
        taskQueue,
        args: [workflowId],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return client.workflow.executeUpdateWithStart(answerUpdate, { startWorkflowOperation });
    },
    inject: async () => {
      const workflowId = `${taskQueue}-${++n}`;
      await client.workflow.start(injectFloorWorkflow, {
        taskQueue,
        workflowId,
        args: [exampleOrderCreateRequest({ o_orderid_external: workflowId })],
      });
      startedIds.push(workflowId);
    },
  };
  system.sandbox.reset();
  const server = await startFloorServer(handlers[floor]);
  const running = worker.run();
  try {
    const started = Date.now();
    const body = JSON.stringify({ floor });
    const load = await loadHttp({
      url: server.url,
      path: '/',
      connections: senders,
      durationSeconds,
      overallRate,
      request: () => ({ body, headers: JSON_HEADERS }),
    });
    if (floor !== 'inject') return { floor, senders, load };
    // Every started workflow must reach Hublify once (its id is its o_orderid_external).
    const delivery = await settledDeliveries({
      client,
      taskQueue,
      sandbox: system.sandbox,
      acknowledged: startedIds,
      settled: 'ExecutionStatus != "Running"',
      what: `the inject floor's ${startedIds.length} workflows to finish`,
      timeoutMs: drainTimeoutMs,
    });
    return {
      floor,
      senders,
      load,
      ordersPerSecondIntoHublify: ordersPerSecondIntoHublify(system.sandbox, started),
      delivery,
    };
  } finally {
    await server.close();
    worker.shutdown();
    await running;
  }
}
