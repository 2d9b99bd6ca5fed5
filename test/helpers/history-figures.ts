// What one order's workflow history costs the engine, read from the real history: events, bytes as
// stored (the protobuf encoding), and Temporal "actions" as Temporal Cloud bills them (docs/scaling.md).
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
const T = temporal.api.enums.v1.EventType;

export interface HistoryFigures {
  events: number;
  bytes: number;
  /** Billable actions: start, each activity attempt, timers, signals, updates, search-attribute upserts, local-activity batches… */
  actions: number;
}

export function historyFigures(history: History): HistoryFigures {
  const events = history.events ?? [];
  let actions = 0;
  let localActivityBatch = false;
  for (const e of events) {
    switch (e.eventType) {
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
      case T.EVENT_TYPE_TIMER_STARTED:
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      case T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      case T.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      case T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      case T.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        actions += 1;
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        // Written once, for the last attempt: every attempt was an action.
        actions += Math.max(1, e.activityTaskStartedEventAttributes?.attempt ?? 1);
        break;
      case T.EVENT_TYPE_MARKER_RECORDED:
        // Local activities of one workflow task count as one action together.
        if (!localActivityBatch) actions += 1;
        localActivityBatch = true;
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        localActivityBatch = false;
        break;
      default:
        break;
    }
  }
  return { events: events.length, bytes: temporal.api.history.v1.History.encode(history).finish().length, actions };
}

/** Median and 95th percentile of a list of numbers. */
export function spread(values: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? 0 };
}
