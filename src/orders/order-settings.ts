// The order workflow's timing and tracking settings, taken from configuration when an order starts and
// carried in the workflow input (so the workflow stays deterministic and tests can run in seconds).
import type { Config } from '../config';
import type { OrderWorkflowSettings } from '../../workflows/order-status';
import { parsePollSchedule } from './poll-schedule-spec';

export function orderWorkflowSettings(config: Config): OrderWorkflowSettings {
  return {
    hublifyTimeoutMs: config.HUBLIFY_TIMEOUT_MS,
    injectRetry: {
      initialIntervalMs: config.INJECT_RETRY_INITIAL_MS,
      maximumIntervalMs: config.INJECT_RETRY_MAX_INTERVAL_MS,
      retryForMs: config.INJECT_RETRY_FOR_MS,
    },
    pollSchedule: parsePollSchedule(config.TRACK_POLL_SCHEDULE),
    finalStates: config.TRACK_FINAL_STATES,
    cancelledStates: config.TRACK_CANCELLED_STATES,
    overdueGraceMs: config.TRACK_OVERDUE_GRACE_MS,
    hardLimitMs: config.TRACK_HARD_LIMIT_MS,
    pollsPerRun: config.TRACK_POLLS_PER_RUN,
    amendWaitMs: config.AMEND_WAIT_MS,
    // The notices' activities send nothing without these; the workflow does not even schedule them.
    ...(config.NOTIFY_WEBHOOK_URL ? { notifySupport: true } : {}),
    ...(config.SMTP_URL ? { emailCustomer: true } : {}),
    ...(config.APICBASE_MARK_VIEWED && config.APICBASE_API_URL
      ? { apicbaseViewed: { taskQueue: config.APICBASE_TASK_QUEUE } }
      : {}),
  };
}
