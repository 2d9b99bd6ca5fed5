// Temporal actions (Temporal Cloud's billing unit) read off a workflow's history, per Temporal's list:
// a workflow start or continue-as-new, each activity scheduled (and each retry), each timer, signal,
// accepted update, search-attribute upsert, child workflow or external signal; the local activities of
// one workflow task count once together. Queries are actions too but leave no event (none here).
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** Actions in `events` (a slice of one run's history). */
export function countActions(events: readonly HistoryEvent[]): number {
  let actions = 0;
  const localActivityTasks = new Set<string>();
  for (const e of events) {
    if (
      e.workflowExecutionStartedEventAttributes ||
      e.workflowExecutionContinuedAsNewEventAttributes ||
      e.activityTaskScheduledEventAttributes ||
      e.timerStartedEventAttributes ||
      e.workflowExecutionSignaledEventAttributes ||
      e.workflowExecutionUpdateAcceptedEventAttributes ||
      e.upsertWorkflowSearchAttributesEventAttributes ||
      e.startChildWorkflowExecutionInitiatedEventAttributes ||
      e.signalExternalWorkflowExecutionInitiatedEventAttributes
    ) {
      actions += 1;
    } else if ((e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) {
      actions += 1; // a retry
    } else if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
      localActivityTasks.add(String(e.markerRecordedEventAttributes.workflowTaskCompletedEventId ?? ''));
    }
  }
  return actions + localActivityTasks.size;
}

export interface TrackingActions {
  /** Actions from the start until the first poll of Hublify is scheduled, that poll's timer excluded. */
  untilWaiting: number;
  /** Actions per poll while nothing changes in Hublify (its timer and the order_get activity, and anything else). */
  perPoll: number;
  /** Actions one push from Hublify adds: the signal, the poll it triggers, the state change recorded, the new timer. */
  perPush?: number;
}

// findHublifyOrder since order-workflow-v2 (a poll by both ids); getHublifyOrder before it.
const isPoll = (e: HistoryEvent) =>
  ['findHublifyOrder', 'getHublifyOrder'].includes(e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');

/** Reads the costs off the history of an order that was polled at least twice, then (optionally) pushed. */
export function trackingActions(events: readonly HistoryEvent[]): TrackingActions {
  const signal = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
  const beforePush = signal < 0 ? events : events.slice(0, signal);
  const polls = beforePush.flatMap((e, i) => (isPoll(e) ? [i] : []));
  if (polls.length < 2)
    throw new Error(`the probe order was polled ${polls.length} time(s) before the push; need at least 2`);
  const first = polls[0]!;
  const last = polls[polls.length - 1]!;
  const perPoll = countActions(events.slice(first + 1, last + 1)) / (polls.length - 1);
  const untilWaiting = countActions(events.slice(0, first + 1)) - perPoll;
  if (signal < 0) return { untilWaiting, perPoll };
  const nextTimer = events.findIndex((e, i) => i > signal && e.timerStartedEventAttributes);
  const perPush = countActions(events.slice(signal, nextTimer < 0 ? events.length : nextTimer + 1));
  return { untilWaiting, perPoll, perPush };
}

/** Polls in the first day after injection and in each later day, under a poll schedule. */
export function pollsPerDay(delayOf: (index: number) => number): { firstDay: number; laterDay: number } {
  const DAY = 86_400_000;
  let t = 0;
  let i = 0;
  while (t + delayOf(i) <= DAY) t += delayOf(i++);
  const firstDay = i;
  let later = 0;
  while (t + delayOf(i) <= 2 * DAY) {
    t += delayOf(i++);
    later += 1;
  }
  return { firstDay, laterDay: later };
}
