// The pull walk of polls started before the oldest-first walk (patch `pull-walk-oldest-first` in
// ./pull-orders-workflow.ts): kept unchanged so that those runs replay. It pages newest first by page
// number and moves the cursor to the newest `ordered_on` seen; an order whose status changes mid-walk
// can shift the pages, so it may skip one. Remove once no run without the patch is left.
import { ApplicationFailure, continueAsNew, log, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { ApicbaseActivities } from '../activities/apicbase-activities';
import type { ApicbaseRunSettings, PulledEntry, PullOrdersInput, PullOrdersResult } from './apicbase-types';
import { APICBASE_CALL } from './apicbase-activity-options';
import { MAX_PAGES } from './purchase-order-walk';
import type { ActivityInterfaceFor, LocalActivityInterfaceFor } from '@temporalio/workflow';

type Api = ActivityInterfaceFor<ApicbaseActivities>;

const later = (a: string | null, b: string | null): string | null => {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
};

export async function pullNewestFirst(
  input: PullOrdersInput,
  settings: ApicbaseRunSettings,
  result: PullOrdersResult,
  api: Api,
  local: LocalActivityInterfaceFor<ApicbaseActivities>,
  markFetched: (entries: PulledEntry[]) => Promise<void>,
  needsFetchedMark: (entry: PulledEntry) => boolean,
): Promise<PullOrdersResult> {
  const cursor = input.cursor;
  let newestSeen = input.carried?.newestSeen ?? null;
  let page = input.carried?.page ?? 1;

  for (;;) {
    setCurrentDetails(
      `**polling** page ${page} of orders after ${cursor ?? 'the beginning'} · ${result.started} started so far`,
    );
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
    for (const bad of listed.invalid)
      log.error('Apicbase listed an order that cannot be read', {
        apicbaseId: bad.id,
        orderNumber: bad.orderNumber,
        problems: bad.problems,
      });

    if (settings.markFetched) await markFetched(listed.entries.filter(needsFetchedMark));

    if (!listed.hasNext || listed.entries.length + listed.invalid.length + listed.otherStatus === 0) break;
    page += 1;
    if (page > MAX_PAGES)
      throw ApplicationFailure.nonRetryable(
        `more than ${MAX_PAGES} pages: is the list ignoring "page"?`,
        'ApicbaseListUnbounded',
      );
    if (workflowInfo().continueAsNewSuggested) {
      return continueAsNew<(input: PullOrdersInput) => Promise<PullOrdersResult>>({
        cursor,
        carried: { page, newestSeen, result },
      });
    }
  }

  // Never backwards; behind the newest order by the overlap.
  const candidate = newestSeen === null ? null : new Date(Date.parse(newestSeen) - settings.overlapMs).toISOString();
  const next = later(cursor, candidate);
  if (next !== null && next !== cursor) {
    result.nextCursor = await local.savePullCursor(next);
  }
  setCurrentDetails(
    `**done** · ${result.started} started, ${result.alreadyKnown} already known, ${result.invalid.length} unreadable · next cursor ${result.nextCursor ?? '-'}`,
  );
  if (result.started || result.invalid.length)
    log.info('Apicbase poll finished', { ...result, startedOrders: undefined });
  return result;
}
