// How the pull and reconciliation workflows call their activities (workflows/pull-orders-workflow.ts,
// workflows/reconcile-orders-workflow.ts).
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

// Apicbase calls: a rate-limit storm or an outage is waited out (Retry-After first), but not forever:
// after the last attempt this poll fails, the cursor stays, and the next scheduled poll tries again.
export const APICBASE_CALL: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 20 },
};
// Steps that make no Apicbase request run as local activities: they do not spend the queue's budget.
export const LOCAL_STEP: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
};
