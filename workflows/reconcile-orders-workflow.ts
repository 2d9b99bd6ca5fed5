// Reconciliation, started by its Schedule (daily by default): lists Apicbase's ORDERED orders of the
// last APICBASE_RECONCILE_LOOKBACK and reports every one that has no order workflow — in webhook mode
// the sign of a delivery that never reached us. Reports only (log lines and this workflow's result);
// support decides what to do. Orders placed within APICBASE_RECONCILE_GRACE are not judged yet.
// It walks the list like the pull (./purchase-order-walk.ts): oldest first, so no order is skipped.
import {
  ApplicationFailure,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import type { ApicbaseActivities } from '../activities/apicbase-activities';
import { APICBASE_CALL, LOCAL_STEP } from './apicbase-activity-options';
import type { ReconcileResult } from './apicbase-types';
import {
  MAX_PAGES,
  WALK_ORDERING,
  seenIds,
  walkFrom,
  walkPurchaseOrders,
  type WalkPosition,
} from './purchase-order-walk';

/** Runs started from this patch walk oldest first (the pull's walk) instead of by page number, newest first. */
export const RECONCILE_WALK_PATCH = 'reconcile-walk-oldest-first';

type Carried = { page?: number; walk?: WalkPosition; result: ReconcileResult };

export async function reconcileOrdersWorkflow(carried?: Carried): Promise<ReconcileResult> {
  const sharedWalk = patched(RECONCILE_WALK_PATCH);
  const api = proxyActivities<ApicbaseActivities>(APICBASE_CALL);
  const local = proxyLocalActivities<ApicbaseActivities>(LOCAL_STEP);
  const settings = await local.apicbaseSettings();
  const now = Date.now(); // workflow time: deterministic
  const result: ReconcileResult = carried?.result ?? {
    orderedAfter: new Date(now - settings.reconcileLookbackMs).toISOString(),
    placedBefore: new Date(now - settings.reconcileGraceMs).toISOString(),
    pages: 0,
    checked: 0,
    missing: [],
    invalid: [],
  };
  const progress = (page: number) =>
    `**checking** page ${page} · ${result.checked} checked · ${result.missing.length} without a workflow`;

  if (sharedWalk) {
    const readPage = async (at: WalkPosition) => {
      setCurrentDetails(progress(result.pages + 1));
      const orderedAfter = at.orderedAfter ?? result.orderedAfter;
      const checked = await api.reconcileOrdersPage.executeWithOptions(
        { ...APICBASE_CALL, summary: `check ORDERED orders after ${orderedAfter} (page ${at.page}), oldest first` },
        [
          {
            orderedAfter,
            placedBefore: result.placedBefore,
            page: at.page,
            pageSize: settings.pageSize,
            ordering: WALK_ORDERING,
            skipIds: seenIds(at),
          },
        ],
      );
      result.pages += 1;
      result.checked += checked.checked;
      result.missing.push(...checked.missing);
      result.invalid.push(...checked.invalid);
      return { listed: checked.positions ?? [], count: checked.count ?? null, hasNext: checked.hasNext };
    };
    const end = await walkPurchaseOrders(carried?.walk ?? walkFrom(result.orderedAfter), readPage, async (next) => {
      if (workflowInfo().continueAsNewSuggested)
        await continueAsNew<typeof reconcileOrdersWorkflow>({ walk: next, result });
    });
    result.settled = end.settled;
  } else {
    // Runs started before the shared walk: by page number, newest first, as they began.
    for (let page = carried?.page ?? 1; ; page++) {
      setCurrentDetails(progress(page));
      const checked = await api.reconcileOrdersPage.executeWithOptions(
        { ...APICBASE_CALL, summary: `check ORDERED orders after ${result.orderedAfter} (page ${page})` },
        [{ orderedAfter: result.orderedAfter, placedBefore: result.placedBefore, page, pageSize: settings.pageSize }],
      );
      result.pages += 1;
      result.checked += checked.checked;
      result.missing.push(...checked.missing);
      result.invalid.push(...checked.invalid);
      if (!checked.hasNext || checked.listed === 0) break;
      if (page >= MAX_PAGES)
        throw ApplicationFailure.nonRetryable(
          `more than ${MAX_PAGES} pages: is the list ignoring "page"?`,
          'ApicbaseListUnbounded',
        );
      if (workflowInfo().continueAsNewSuggested)
        return continueAsNew<typeof reconcileOrdersWorkflow>({ page: page + 1, result });
    }
  }

  await local.reportReconciliation(result);
  const missing = result.missing.map((m) => m.orderNumber).join(', ');
  const unreadable = result.invalid.map((bad) => bad.orderNumber ?? bad.id ?? '?').join(', ');
  setCurrentDetails(
    `**done** · ${result.checked} checked · ${result.missing.length} without a workflow${missing ? `: ${missing}` : ''}` +
      `${unreadable ? ` · unreadable, check by hand: ${unreadable}` : ''}${result.settled === false ? ' · the list kept changing: not every order was checked' : ''}`,
  );
  return result;
}
