// One Apicbase poll, started by the pull Schedule (src/apicbase/schedules.ts) every
// APICBASE_POLL_INTERVAL: walks the ORDERED orders placed after the cursor oldest first
// (./purchase-order-walk.ts, shared with reconciliation), starts each order's workflow
// (`apicbase-order-<id>`, source "pull": the same id as the webhook's, so an order that arrives both
// ways runs once), marks new ones `fetched_by_supplier`, then moves the cursor in the schedule to the
// newest `ordered_on` up to which the walk saw every order, minus an overlap (orders committed late are
// listed again next time; they already have a workflow, so nothing runs twice). An order whose
// `ordered_on` cannot be read is reported (result, log, Web UI details) and left to a person.
// Runs on the Apicbase task queue; every activity there counts against the shared request budget.
import {
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import type { ApicbaseActivities } from '../activities/apicbase-activities';
import { APICBASE_CALL, LOCAL_STEP } from './apicbase-activity-options';
import type { InvalidEntry, PulledEntry, PulledPage, PullOrdersInput, PullOrdersResult } from './apicbase-types';
import { pullNewestFirst } from './pull-orders-newest-first';
import {
  WALK_ORDERING,
  instantOf,
  laterOf,
  seenIds,
  walkFrom,
  walkPurchaseOrders,
  type WalkPosition,
} from './purchase-order-walk';

/** Polls started from this patch on walk oldest first and move the cursor only over what they fully saw. */
export const PULL_WALK_PATCH = 'pull-walk-oldest-first';
const REPORTED = 100;

export async function pullOrdersWorkflow(input: PullOrdersInput): Promise<PullOrdersResult> {
  const oldestFirst = patched(PULL_WALK_PATCH);
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
  if (!oldestFirst)
    return pullNewestFirst(
      input,
      settings,
      result,
      api,
      local,
      (entries) => markFetched(entries, result),
      needsFetchedMark,
    );

  const readPage = async (at: WalkPosition) => {
    setCurrentDetails(
      `**polling** orders after ${at.orderedAfter ?? 'the beginning'} (page ${at.page}) · ${result.started} started so far${unreadable(result)}`,
    );
    const listed = await api.pullOrdersPage.executeWithOptions(
      {
        ...APICBASE_CALL,
        summary: `list ORDERED orders after ${at.orderedAfter ?? '-'} (page ${at.page}), oldest first`,
      },
      [
        {
          orderedAfter: at.orderedAfter,
          page: at.page,
          pageSize: settings.pageSize,
          ordering: WALK_ORDERING,
          skipIds: seenIds(at),
        },
      ],
    );
    tally(listed, result);
    if (settings.markFetched) await markFetched(listed.entries.filter(needsFetchedMark), result);
    return { listed: listed.positions ?? [], count: listed.count, hasNext: listed.hasNext };
  };
  const end = await walkPurchaseOrders(input.carried?.walk ?? walkFrom(cursor), readPage, async (next) => {
    if (workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof pullOrdersWorkflow>({ cursor, carried: { walk: next, result } });
  });
  result.fullySeen = end.position.fullySeen;
  result.settled = end.settled;

  // Never backwards; behind what was fully seen by the overlap.
  const seenMs = instantOf(end.position.fullySeen);
  const next = laterOf(cursor, seenMs === undefined ? null : new Date(seenMs - settings.overlapMs).toISOString());
  if (next !== null && next !== cursor) result.nextCursor = await local.savePullCursor(next);
  setCurrentDetails(
    `**done** · ${result.started} started, ${result.alreadyKnown} already known · every order up to ${result.fullySeen ?? '-'} seen` +
      `${end.settled ? '' : ' (the list kept changing: the next poll goes on from there)'} · next cursor ${result.nextCursor ?? '-'}${unreadable(result)}`,
  );
  if (result.started || result.invalid.length || !end.settled)
    log.info('Apicbase poll finished', { ...result, startedOrders: undefined });
  return result;

  async function markFetched(entries: PulledEntry[], into: PullOrdersResult): Promise<void> {
    await Promise.all(
      entries.map(async (entry) => {
        try {
          await api.markApicbaseOrder.executeWithOptions(
            { ...APICBASE_CALL, summary: `mark ${entry.orderNumber} fetched_by_supplier` },
            [entry.id, 'fetched'],
          );
          into.marked += 1;
        } catch (err) {
          if (isCancellation(err)) throw err;
          // Private bookkeeping in Apicbase: the order itself is safe in its workflow, so the poll goes on.
          into.markFailures.push(entry.orderNumber);
          log.warn('could not mark an Apicbase order fetched', {
            orderNumber: entry.orderNumber,
            error: (err as Error).message,
          });
        }
      }),
    );
  }
}

function tally(listed: PulledPage, result: PullOrdersResult): void {
  result.pages += 1;
  result.listed += listed.entries.length + listed.invalid.length;
  result.invalid.push(...listed.invalid.slice(0, Math.max(0, REPORTED - result.invalid.length)));
  for (const entry of listed.entries) {
    if (entry.outcome === 'started' || entry.outcome === 'restarted') {
      result.started += 1;
      if (result.startedOrders.length < REPORTED) result.startedOrders.push(entry.orderNumber);
    } else {
      result.alreadyKnown += 1;
    }
  }
  for (const bad of listed.invalid)
    log.error('Apicbase listed an order that cannot be read; handle it by hand', {
      apicbaseId: bad.id,
      orderNumber: bad.orderNumber,
      problems: bad.problems,
    });
}

/** The Web UI's note on orders that need a person, e.g. an `ordered_on` that cannot be read. */
function unreadable(result: PullOrdersResult): string {
  if (!result.invalid.length) return '';
  const named = result.invalid
    .slice(0, 5)
    .map((bad: InvalidEntry) => `${bad.orderNumber ?? bad.id ?? '?'} (${bad.problems.join('; ')})`);
  return ` · **${result.invalid.length} unreadable, handle by hand**: ${named.join(', ')}${result.invalid.length > 5 ? ', …' : ''}`;
}

/** Started by this poll (an order that came by webhook was not fetched), unless Apicbase shows it marked already. */
function needsFetchedMark(entry: PulledEntry): boolean {
  return (entry.outcome === 'started' || entry.outcome === 'restarted') && entry.fetchedBySupplier !== true;
}
