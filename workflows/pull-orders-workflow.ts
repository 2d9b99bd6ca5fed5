// One Apicbase poll, started by the pull Schedule (src/apicbase/schedules.ts) every
// APICBASE_POLL_INTERVAL: pages through ORDERED orders placed after the cursor, starts each order's
// workflow (`apicbase-order-<id>`, source "pull": the same id as the webhook's, so an order that
// arrives both ways runs once), marks new ones `fetched_by_supplier`, then moves the cursor in the
// schedule to the newest `ordered_on` seen minus an overlap (orders sharing a timestamp, or committed
// late, are listed again next time; they already have a workflow, so nothing runs twice).
// Runs on the Apicbase task queue; every activity there counts against the shared request budget.
import {
  ApplicationFailure,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { ApicbaseActivities } from '../activities/apicbase-activities';
import type { PulledEntry, PullOrdersInput, PullOrdersResult } from './apicbase-types';

/** A walk longer than this means the server ignores `page`: stop rather than loop forever. */
const MAX_PAGES = 10_000;

// Apicbase calls: a rate-limit storm or an outage is waited out (Retry-After first), but not forever:
// after the last attempt this poll fails, the cursor stays, and the next scheduled poll tries again.
export const APICBASE_CALL: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 20 },
};
// Steps that make no Apicbase request run as local activities: they do not spend the queue's budget.
export const LOCAL_STEP: LocalActivityOptions = { startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 } };

const later = (a: string | null, b: string | null): string | null => {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
};

export async function pullOrdersWorkflow(input: PullOrdersInput): Promise<PullOrdersResult> {
  const api = proxyActivities<ApicbaseActivities>(APICBASE_CALL);
  const local = proxyLocalActivities<ApicbaseActivities>(LOCAL_STEP);
  const settings = await local.apicbaseSettings();
  const cursor = input.cursor;
  const result: PullOrdersResult = input.carried?.result ?? {
    cursor,
    nextCursor: cursor,
    pages: 0,
    listed: 0,
    started: 0,
    alreadyKnown: 0,
    startedOrders: [],
    marked: 0,
    markFailures: [],
    invalid: [],
  };
  let newestSeen = input.carried?.newestSeen ?? null;
  let page = input.carried?.page ?? 1;

  for (;;) {
    setCurrentDetails(`**polling** page ${page} of orders after ${cursor ?? 'the beginning'} · ${result.started} started so far`);
    const listed = await api.pullOrdersPage.executeWithOptions(
      { ...APICBASE_CALL, summary: `list ORDERED orders after ${cursor ?? '-'} (page ${page})` },
      [{ orderedAfter: cursor, page, pageSize: settings.pageSize }],
    );
    result.pages += 1;
    result.listed += listed.entries.length + listed.invalid.length;
    result.invalid.push(...listed.invalid.slice(0, Math.max(0, 100 - result.invalid.length)));
    for (const entry of listed.entries) {
      newestSeen = later(newestSeen, entry.orderedOn);
      if (entry.outcome === 'started' || entry.outcome === 'restarted') {
        result.started += 1;
        if (result.startedOrders.length < 100) result.startedOrders.push(entry.orderNumber);
      } else {
        result.alreadyKnown += 1;
      }
    }
    for (const bad of listed.invalid) log.error('Apicbase listed an order that cannot be read', { apicbaseId: bad.id, orderNumber: bad.orderNumber, problems: bad.problems });

    if (settings.markFetched) await markFetched(listed.entries.filter(needsFetchedMark), result);

    if (!listed.hasNext || listed.entries.length + listed.invalid.length + listed.otherStatus === 0) break;
    page += 1;
    if (page > MAX_PAGES) throw ApplicationFailure.nonRetryable(`more than ${MAX_PAGES} pages: is the list ignoring "page"?`, 'ApicbaseListUnbounded');
    if (workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof pullOrdersWorkflow>({ cursor, carried: { page, newestSeen, result } });
    }
  }

  // Never backwards; behind the newest order by the overlap.
  const candidate = newestSeen === null ? null : new Date(Date.parse(newestSeen) - settings.overlapMs).toISOString();
  const next = later(cursor, candidate);
  if (next !== null && next !== cursor) {
    result.nextCursor = await local.savePullCursor(next);
  }
  setCurrentDetails(`**done** · ${result.started} started, ${result.alreadyKnown} already known, ${result.invalid.length} unreadable · next cursor ${result.nextCursor ?? '-'}`);
  if (result.started || result.invalid.length) log.info('Apicbase poll finished', { ...result, startedOrders: undefined });
  return result;

  async function markFetched(entries: PulledEntry[], into: PullOrdersResult): Promise<void> {
    await Promise.all(
      entries.map(async (entry) => {
        try {
          await api.markApicbaseOrder.executeWithOptions({ ...APICBASE_CALL, summary: `mark ${entry.orderNumber} fetched_by_supplier` }, [entry.id, 'fetched']);
          into.marked += 1;
        } catch (err) {
          if (isCancellation(err)) throw err;
          // Private bookkeeping in Apicbase: the order itself is safe in its workflow, so the poll goes on.
          into.markFailures.push(entry.orderNumber);
          log.warn('could not mark an Apicbase order fetched', { orderNumber: entry.orderNumber, error: (err as Error).message });
        }
      }),
    );
  }
}

/** Started by this poll (an order that came by webhook was not fetched), unless Apicbase shows it marked already. */
function needsFetchedMark(entry: PulledEntry): boolean {
  return (entry.outcome === 'started' || entry.outcome === 'restarted') && entry.fetchedBySupplier !== true;
}
