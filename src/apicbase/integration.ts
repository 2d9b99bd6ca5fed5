// The Apicbase side of a worker process: a second worker on APICBASE_TASK_QUEUE that runs the pull
// and reconciliation workflows and every activity that calls Apicbase, with the queue's activity
// rate (APICBASE_RATE_LIMIT_PER_MINUTE / 60 per second) enforced by the Temporal server across ALL
// workers of that queue — the shared request budget. Then the Schedules, made idempotently.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { createApicbaseActivities } from '../../activities/apicbase-activities';
import type { Config } from '../config';
import type { OrderStarterDeps } from '../orders/start-order';
import type { Tracing } from '../observability/tracing';
import { WORKFLOWS_PATH, tracingWorkerOptions } from '../worker/order-worker';
import { apicbaseAccessFrom, apicbaseApiClientFrom } from './from-config';
import { ensureApicbaseSchedules } from './schedules';

export interface ApicbaseIntegrationOptions {
  config: Config;
  logger: Logger;
  client: Client;
  connection: NativeConnection;
  starter: OrderStarterDeps;
  workflowBundle?: WorkflowBundleOption;
  /** The payload codec's data converter (src/codec), the same as the order worker's. */
  dataConverter?: DataConverter;
  /** OpenTelemetry, as on the order worker: Apicbase calls are traced inside their activities. */
  tracing?: Tracing;
}

export interface RunningApicbaseIntegration {
  worker?: Worker;
  /** Settles when the Apicbase worker stops (rejects on a fatal error); none without APICBASE_API_URL. */
  done?: Promise<void>;
  close(): Promise<void>;
}

export async function startApicbaseIntegration(opts: ApicbaseIntegrationOptions): Promise<RunningApicbaseIntegration> {
  const { config, logger, client } = opts;
  const mode = config.APICBASE_MODE;
  const pulling = mode !== 'webhook';
  const offReason = {
    pull: `APICBASE_MODE=${mode}: pull is off`,
    reconcile: config.APICBASE_API_URL
      ? 'APICBASE_RECONCILE_INTERVAL=0: reconciliation is off'
      : 'APICBASE_API_URL is not set',
  };
  if (!config.APICBASE_API_URL) {
    if (pulling) throw new Error(`APICBASE_MODE=${mode} needs APICBASE_API_URL (and a token: npm run apicbase-auth)`);
    logger.info('APICBASE_API_URL is not set: webhook only, no reconciliation with the Apicbase API');
    await ensureApicbaseSchedules(
      client,
      { taskQueue: config.APICBASE_TASK_QUEUE, initialCursor: new Date().toISOString(), offReason },
      logger,
    );
    return { close: () => Promise.resolve() };
  }
  const access = apicbaseAccessFrom(config);
  const api = apicbaseApiClientFrom(config, access, logger)!;
  if (!config.APICBASE_ACCESS_TOKEN && !access.store.read()) {
    logger.warn(
      'no Apicbase token is stored yet: Apicbase calls fail until `npm run apicbase-auth` stores one (see docs/apicbase.md)',
    );
  }

  const worker = await Worker.create({
    connection: opts.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.APICBASE_TASK_QUEUE,
    activities: createApicbaseActivities({
      api,
      client,
      starter: opts.starter,
      logger,
      settings: () => ({
        pageSize: config.APICBASE_PAGE_SIZE,
        overlapMs: config.APICBASE_POLL_OVERLAP,
        markFetched: config.APICBASE_MARK_FETCHED,
        reconcileLookbackMs: config.APICBASE_RECONCILE_LOOKBACK,
        reconcileGraceMs: config.APICBASE_RECONCILE_GRACE,
      }),
    }),
    maxTaskQueueActivitiesPerSecond: config.APICBASE_RATE_LIMIT_PER_MINUTE / 60,
    shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE_MS,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...tracingWorkerOptions(opts.tracing, !opts.workflowBundle),
  });
  const done = worker.run();
  const close = async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await done.catch(() => undefined);
  };

  try {
    await ensureApicbaseSchedules(
      client,
      {
        taskQueue: config.APICBASE_TASK_QUEUE,
        ...(pulling ? { pullIntervalMs: config.APICBASE_POLL_INTERVAL } : {}),
        reconcileIntervalMs: config.APICBASE_RECONCILE_INTERVAL,
        initialCursor: config.APICBASE_PULL_SINCE ?? new Date(Date.now() - config.APICBASE_POLL_OVERLAP).toISOString(),
        offReason,
      },
      logger,
    );
  } catch (err) {
    await close();
    throw err;
  }
  logger.info(
    {
      mode,
      taskQueue: config.APICBASE_TASK_QUEUE,
      ratePerMinute: config.APICBASE_RATE_LIMIT_PER_MINUTE,
      pollEvery: pulling ? config.APICBASE_POLL_INTERVAL : null,
    },
    'Apicbase API worker running',
  );
  return { worker, done, close };
}
