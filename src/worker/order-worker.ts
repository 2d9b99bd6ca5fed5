// The worker: runs the order workflow (bundled once from workflows/) and its activities.
import type { DataConverter } from '@temporalio/common';
import {
  NativeConnection,
  Worker,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
  bundleWorkflowCode,
} from '@temporalio/worker';
import type { OrderActivities } from '../../activities';
import { FAILURE_CONVERTER_PATH } from '../codec';
import { WORKFLOW_TRACING_INTERCEPTORS, type Tracing } from '../observability/tracing';

export const WORKFLOWS_PATH = require.resolve('../../workflows');

/**
 * Bundles the workflow code once; reuse the bundle for every worker in the process. `tracing` adds
 * OpenTelemetry's workflow interceptors: a worker that traces needs that bundle, one that does not
 * runs the plain one (no interceptor, no cost).
 */
export function bundleOrderWorkflows(opts: { tracing?: boolean } = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    // The workflow sandbox builds failures itself: it needs the codec's failure converter (src/codec).
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...(opts.tracing ? { workflowInterceptorModules: [WORKFLOW_TRACING_INTERCEPTORS] } : {}),
    logger: quietBundlerLogger,
  });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
};

export interface OrderWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: OrderActivities;
  /** Bundled code or a bundle file (src/worker/workflow-bundle.ts); none = bundle workflows/ now (webpack, seconds). */
  workflowBundle?: WorkflowBundleOption;
  /** On shutdown, how long in-flight tasks may take to finish before they are cancelled. */
  shutdownGraceMs?: number;
  /** The payload codec (src/codec): encrypts what the worker sends, decrypts what it receives. */
  dataConverter?: DataConverter;
  /** Slots, pollers and sticky cache (WORKER_* settings); unset = the SDK's defaults. */
  tuning?: WorkerTuning;
  /** OpenTelemetry (src/observability/tracing.ts): its interceptors and span sink; a given bundle must be a traced one. */
  tracing?: Tracing;
}

/** The worker's capacity settings (src/config.ts, WORKER_*). */
export interface WorkerTuning {
  maxConcurrentWorkflowTasks: number;
  maxConcurrentActivities: number;
  maxConcurrentLocalActivities: number;
  workflowTaskPollers: number;
  activityTaskPollers: number;
  maxCachedWorkflows: number;
}

export function workerTuningFrom(config: {
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: number;
  WORKER_MAX_CONCURRENT_ACTIVITIES: number;
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: number;
  WORKER_WORKFLOW_TASK_POLLERS: number;
  WORKER_ACTIVITY_TASK_POLLERS: number;
  WORKER_MAX_CACHED_WORKFLOWS: number;
}): WorkerTuning {
  return {
    maxConcurrentWorkflowTasks: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivities: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentLocalActivities: config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
    workflowTaskPollers: config.WORKER_WORKFLOW_TASK_POLLERS,
    activityTaskPollers: config.WORKER_ACTIVITY_TASK_POLLERS,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  };
}

function workerOptionsFor(t: WorkerTuning) {
  return {
    maxConcurrentWorkflowTaskExecutions: t.maxConcurrentWorkflowTasks,
    maxConcurrentActivityTaskExecutions: t.maxConcurrentActivities,
    maxConcurrentLocalActivityExecutions: t.maxConcurrentLocalActivities,
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: t.workflowTaskPollers },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: t.activityTaskPollers },
    maxCachedWorkflows: t.maxCachedWorkflows,
  } as const;
}

export async function createOrderWorker(opts: OrderWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    ...(opts.tuning ? workerOptionsFor(opts.tuning) : {}),
    ...(opts.shutdownGraceMs !== undefined ? { shutdownGraceTime: opts.shutdownGraceMs } : {}),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...tracingWorkerOptions(opts.tracing, !opts.workflowBundle),
  });
}

/** The worker options tracing adds; the workflow interceptors only when the worker bundles at start. */
export function tracingWorkerOptions(tracing: Tracing | undefined, bundlesAtStart: boolean) {
  if (!tracing) return {};
  const { interceptors, sinks } = tracing.workerOptions;
  return {
    interceptors: { ...interceptors, ...(bundlesAtStart ? { workflowModules: [WORKFLOW_TRACING_INTERCEPTORS] } : {}) },
    sinks,
  };
}
