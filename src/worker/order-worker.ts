// The worker: runs the order workflow (bundled once from workflows/) and its activities.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap, bundleWorkflowCode } from '@temporalio/worker';
import type { OrderActivities } from '../../activities';
import { FAILURE_CONVERTER_PATH } from '../codec';

export const WORKFLOWS_PATH = require.resolve('../../workflows');

/** Bundles the workflow code once; reuse the bundle for every worker in the process. */
export function bundleOrderWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  // The workflow sandbox builds failures itself: it needs the codec's failure converter (src/codec).
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietBundlerLogger });
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
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** The payload codec (src/codec): encrypts what the worker sends, decrypts what it receives. */
  dataConverter?: DataConverter;
}

export async function createOrderWorker(opts: OrderWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
}
