// Reconciliation, started by its Schedule (daily by default): lists Apicbase's ORDERED orders of the
// last APICBASE_RECONCILE_LOOKBACK and reports every one that has no order workflow — in webhook mode
// the sign of a delivery that never reached us. Reports only (log lines and this workflow's result);
// support decides what to do. Orders placed within APICBASE_RECONCILE_GRACE are not judged yet.
import { ApplicationFailure, continueAsNew, proxyActivities, proxyLocalActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { ApicbaseActivities } from '../activities/apicbase-activities';
import type { ReconcileResult } from './apicbase-types';
import { APICBASE_CALL, LOCAL_STEP } from './pull-orders-workflow';

const MAX_PAGES = 10_000;

export async function reconcileOrdersWorkflow(carried?: { page: number; result: ReconcileResult }): Promise<ReconcileResult> {
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

  for (let page = carried?.page ?? 1; ; page++) {
    setCurrentDetails(`**checking** page ${page} · ${result.checked} checked · ${result.missing.length} without a workflow`);
    const checked = await api.reconcileOrdersPage.executeWithOptions(
      { ...APICBASE_CALL, summary: `check ORDERED orders after ${result.orderedAfter} (page ${page})` },
      [{ orderedAfter: result.orderedAfter, placedBefore: result.placedBefore, page, pageSize: settings.pageSize }],
    );
    result.pages += 1;
    result.checked += checked.checked;
    result.missing.push(...checked.missing);
    result.invalid.push(...checked.invalid);
    if (!checked.hasNext || checked.listed === 0) break;
    if (page >= MAX_PAGES) throw ApplicationFailure.nonRetryable(`more than ${MAX_PAGES} pages: is the list ignoring "page"?`, 'ApicbaseListUnbounded');
    if (workflowInfo().continueAsNewSuggested) return continueAsNew<typeof reconcileOrdersWorkflow>({ page: page + 1, result });
  }

  await local.reportReconciliation(result);
  const missing = result.missing.map((m) => m.orderNumber).join(', ');
  setCurrentDetails(`**done** · ${result.checked} checked · ${result.missing.length} without a workflow${missing ? `: ${missing}` : ''}`);
  return result;
}
