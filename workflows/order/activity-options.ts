// Every activity option object of the order workflow in one place (no SDK call: types only).
import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { OrderWorkflowSettings } from '../order-status';

/** Stage records and the check: local activities, no server round trip. */
export const LOCAL: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
};

/** A final stage's record: a remote activity (stage-book.ts says why), retried as the local ones are. */
export const FINAL_RECORD: ActivityOptions = { ...LOCAL };

/** A Hublify call's own timeout plus a margin: past it Temporal assumes the worker died and retries. */
export function hublifyCall(settings: OrderWorkflowSettings): ActivityOptions {
  return {
    startToCloseTimeout: settings.hublifyTimeoutMs + 5_000,
    retry: { initialInterval: '1s', maximumAttempts: 3 },
  };
}

/**
 * order_create: transient Hublify trouble is retried by Temporal with backoff for as long as configured.
 * The attempt heartbeats, so a cancel reaches it; the workflow then waits until the attempt has ended.
 */
export function injection(settings: OrderWorkflowSettings): ActivityOptions {
  return {
    ...hublifyCall(settings),
    heartbeatTimeout: '5s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    scheduleToCloseTimeout: settings.injectRetry.retryForMs,
    retry: {
      initialInterval: settings.injectRetry.initialIntervalMs,
      maximumInterval: settings.injectRetry.maximumIntervalMs,
      backoffCoefficient: 2,
    },
  };
}

/** Asking Hublify what it holds after an attempt was stopped: short, so a cancel never waits a day. */
export function lookup(settings: OrderWorkflowSettings): ActivityOptions {
  return {
    ...hublifyCall(settings),
    scheduleToCloseTimeout: Math.min(settings.injectRetry.retryForMs, 120_000),
    retry: { initialInterval: '1s', maximumInterval: '10s', backoffCoefficient: 2 },
  };
}

/** Support's notice (NOTIFY_WEBHOOK_URL). */
export const NOTIFY: ActivityOptions = {
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', maximumInterval: '5m', maximumAttempts: 10 },
};

/** The customer's e-mail (SMTP_URL). */
export const EMAIL: ActivityOptions = {
  startToCloseTimeout: '1m',
  retry: { initialInterval: '10s', maximumInterval: '10m', maximumAttempts: 20 },
};

/** Marking the order viewed in Apicbase, on the Apicbase queue. */
export function markViewed(taskQueue: string): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: '2m',
    retry: { initialInterval: '5s', maximumInterval: '5m', maximumAttempts: 10 },
  };
}
