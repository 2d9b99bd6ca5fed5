// Activities of the Apicbase pull and reconciliation workflows. They run on the Apicbase task queue
// (APICBASE_TASK_QUEUE), whose worker caps activities per second for the whole queue: that cap is
// the shared Apicbase request budget, so each activity makes at most one Apicbase request (plus,
// rarely, a token refresh).
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { ApicbaseApiClient, OrderMark } from '../src/apicbase/api-client';
import { orderWorkflowId, type ApicbaseOrder } from '../src/apicbase/order';
import { advancePullCursor } from '../src/apicbase/schedules';
import { startOrder, type OrderStarterDeps } from '../src/orders/start-order';
import type {
  ApicbaseRunSettings,
  MissingOrder,
  PulledEntry,
  PulledOutcome,
  PulledPage,
  ReconcilePageRequest,
  ReconcileResult,
  ReconciledPage,
} from '../workflows/apicbase-types';
import { callApicbase } from './api-failures';

export interface ApicbaseActivityDeps {
  api: ApicbaseApiClient;
  client: Client;
  starter: OrderStarterDeps;
  settings: () => ApicbaseRunSettings;
  logger: Logger;
}

type WorkflowState = 'none' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'UNKNOWN';

async function workflowState(client: Client, workflowId: string): Promise<WorkflowState> {
  try {
    const described = await client.workflow.getHandle(workflowId).describe();
    return (described.status.name as WorkflowState | undefined) ?? 'UNKNOWN';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'none';
    throw err;
  }
}

/** Starts the order's workflow unless one exists (or support closed it); says what it did. */
async function startPulled(deps: ApicbaseActivityDeps, order: ApicbaseOrder): Promise<PulledOutcome> {
  const state = await workflowState(deps.client, orderWorkflowId(order.id));
  switch (state) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
      return 'running';
    case 'COMPLETED':
      return 'finished';
    case 'CANCELLED':
    case 'TERMINATED':
      return 'closed';
    default: {
      // Not there, or an earlier run failed: an ORDERED order cannot be refused, so it runs (again) as "pull".
      const started = await startOrder(deps.starter, order, 'pull');
      if (started.alreadyFinished) return 'finished';
      return state === 'none' ? 'started' : 'restarted';
    }
  }
}

export function createApicbaseActivities(deps: ApicbaseActivityDeps) {
  return {
    /** The settings in force now (configuration is read by the worker, not the workflow). */
    apicbaseSettings(): Promise<ApicbaseRunSettings> {
      return Promise.resolve(deps.settings());
    },

    /** One page of new ORDERED orders (one Apicbase request); each gets its order workflow. */
    async pullOrdersPage(req: { orderedAfter: string | null; page: number; pageSize: number }): Promise<PulledPage> {
      const listed = await callApicbase(() =>
        deps.api.listPurchaseOrders({ page: req.page, pageSize: req.pageSize, ...(req.orderedAfter ? { orderedAfter: req.orderedAfter } : {}) }),
      );
      const entries: PulledEntry[] = [];
      for (const { order, fetchedBySupplier } of listed.orders) {
        Context.current().heartbeat(order.id);
        entries.push({
          id: order.id,
          orderNumber: order.order_number,
          orderedOn: order.ordered_on,
          outcome: await startPulled(deps, order),
          ...(fetchedBySupplier !== undefined ? { fetchedBySupplier } : {}),
        });
      }
      for (const bad of listed.invalid) {
        deps.logger.error({ apicbaseId: bad.id, orderNumber: bad.orderNumber, problems: bad.problems }, 'Apicbase listed an order that cannot be read; handle it by hand');
      }
      return { entries, invalid: listed.invalid, otherStatus: listed.otherStatus, count: listed.count, hasNext: listed.hasNext };
    },

    /** PATCHes one order's mark in Apicbase (one request). */
    async markApicbaseOrder(id: string, mark: OrderMark): Promise<void> {
      await callApicbase(() => deps.api.markOrder(id, mark));
    },

    /** Moves the pull schedule's cursor forward (a Temporal call, no Apicbase request). */
    async savePullCursor(cursor: string): Promise<string> {
      return advancePullCursor(deps.client, cursor);
    },

    /** One page of ORDERED orders, each checked for a workflow (one Apicbase request). */
    async reconcileOrdersPage(req: ReconcilePageRequest): Promise<ReconciledPage> {
      const listed = await callApicbase(() => deps.api.listPurchaseOrders({ orderedAfter: req.orderedAfter, page: req.page, pageSize: req.pageSize }));
      const placedBefore = Date.parse(req.placedBefore);
      const missing: MissingOrder[] = [];
      let checked = 0;
      for (const { order } of listed.orders) {
        if (Date.parse(order.ordered_on) >= placedBefore) continue; // may still be on its way in
        Context.current().heartbeat(order.id);
        checked += 1;
        const workflowId = orderWorkflowId(order.id);
        if ((await workflowState(deps.client, workflowId)) === 'none') {
          missing.push({ id: order.id, orderNumber: order.order_number, orderedOn: order.ordered_on, customerNumber: order.supplier_customer_number, workflowId });
        }
      }
      return { listed: listed.orders.length + listed.invalid.length + listed.otherStatus, checked, missing, invalid: listed.invalid, hasNext: listed.hasNext };
    },

    /** One log line per order without a workflow, and a summary line. */
    reportReconciliation(result: ReconcileResult): Promise<void> {
      for (const m of result.missing) {
        deps.logger.warn({ apicbaseId: m.id, orderNumber: m.orderNumber, orderedOn: m.orderedOn, customerNumber: m.customerNumber, workflowId: m.workflowId }, 'Apicbase order is ORDERED but has no workflow');
      }
      for (const bad of result.invalid) {
        deps.logger.warn({ apicbaseId: bad.id, orderNumber: bad.orderNumber, problems: bad.problems }, 'Apicbase order cannot be read; check it by hand');
      }
      const level = result.missing.length || result.invalid.length ? 'warn' : 'info';
      deps.logger[level](
        { checked: result.checked, missing: result.missing.length, unreadable: result.invalid.length, orderedAfter: result.orderedAfter, placedBefore: result.placedBefore },
        'Apicbase reconciliation finished',
      );
      return Promise.resolve();
    },
  };
}

export type ApicbaseActivities = ReturnType<typeof createApicbaseActivities>;
