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
import { instantOf } from '../workflows/purchase-order-walk';
import type {
  ApicbaseRunSettings,
  InvalidEntry,
  MissingOrder,
  PageRequest,
  PulledEntry,
  PulledOutcome,
  PulledPage,
  ReconcilePageRequest,
  ReconcileResult,
  ReconciledPage,
} from '../workflows/apicbase-types';
import { callApicbase } from './api-failures';
import type { ListedOrder, PurchaseOrderPage } from '../src/apicbase/purchase-order-page';

export interface ApicbaseActivityDeps {
  api: ApicbaseApiClient;
  client: Client;
  starter: OrderStarterDeps;
  settings: () => ApicbaseRunSettings;
  logger: Logger;
}

type WorkflowState =
  | 'none'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'UNKNOWN';

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

/** An order whose `ordered_on` no ISO 8601 reading gives an instant: no place in the walk, so a person handles it. */
function unreadableDate({ order }: ListedOrder): InvalidEntry {
  return {
    id: order.id,
    orderNumber: order.order_number,
    problems: [
      `ordered_on: ${JSON.stringify(order.ordered_on).slice(0, 80)} is not an ISO 8601 date and time (such as 2024-03-05T10:00:00Z)`,
    ],
  };
}

/** The page's orders to handle now: not handled earlier in this walk, and with a readable `ordered_on`. */
function sortOut(
  listed: PurchaseOrderPage,
  skipIds: string[] | undefined,
): { orders: ListedOrder[]; invalid: InvalidEntry[] } {
  const skip = new Set(skipIds ?? []);
  const fresh = listed.orders.filter((o) => !skip.has(o.order.id));
  return {
    orders: fresh.filter((o) => instantOf(o.order.ordered_on) !== undefined),
    invalid: [
      ...listed.invalid.filter((bad) => bad.id === null || !skip.has(bad.id)),
      ...fresh.filter((o) => instantOf(o.order.ordered_on) === undefined).map(unreadableDate),
    ],
  };
}

export function createApicbaseActivities(deps: ApicbaseActivityDeps) {
  return {
    /** The settings in force now (configuration is read by the worker, not the workflow). */
    apicbaseSettings(): Promise<ApicbaseRunSettings> {
      return Promise.resolve(deps.settings());
    },

    /** One page of new ORDERED orders (one Apicbase request); each gets its order workflow. */
    async pullOrdersPage(req: PageRequest): Promise<PulledPage> {
      const listed = await callApicbase(() =>
        deps.api.listPurchaseOrders({
          page: req.page,
          pageSize: req.pageSize,
          ...(req.orderedAfter ? { orderedAfter: req.orderedAfter } : {}),
          ...(req.ordering ? { ordering: req.ordering } : {}),
        }),
      );
      const { orders, invalid } = sortOut(listed, req.skipIds);
      const entries: PulledEntry[] = [];
      for (const { order, fetchedBySupplier } of orders) {
        Context.current().heartbeat(order.id);
        entries.push({
          id: order.id,
          orderNumber: order.order_number,
          orderedOn: order.ordered_on,
          outcome: await startPulled(deps, order),
          ...(fetchedBySupplier !== undefined ? { fetchedBySupplier } : {}),
        });
      }
      for (const bad of invalid) {
        deps.logger.error(
          { apicbaseId: bad.id, orderNumber: bad.orderNumber, problems: bad.problems },
          'Apicbase listed an order that cannot be read; handle it by hand',
        );
      }
      return {
        entries,
        invalid,
        otherStatus: listed.otherStatus,
        count: listed.count,
        hasNext: listed.hasNext,
        positions: listed.listed,
      };
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
      const listed = await callApicbase(() =>
        deps.api.listPurchaseOrders({
          orderedAfter: req.orderedAfter,
          page: req.page,
          pageSize: req.pageSize,
          ...(req.ordering ? { ordering: req.ordering } : {}),
        }),
      );
      const placedBefore = instantOf(req.placedBefore) ?? Date.parse(req.placedBefore);
      const { orders, invalid } = sortOut(listed, req.skipIds);
      const missing: MissingOrder[] = [];
      let checked = 0;
      for (const { order } of orders) {
        if (instantOf(order.ordered_on)! >= placedBefore) continue; // may still be on its way in
        Context.current().heartbeat(order.id);
        checked += 1;
        const workflowId = orderWorkflowId(order.id);
        if ((await workflowState(deps.client, workflowId)) === 'none') {
          missing.push({
            id: order.id,
            orderNumber: order.order_number,
            orderedOn: order.ordered_on,
            customerNumber: order.supplier_customer_number,
            workflowId,
          });
        }
      }
      return {
        listed: listed.orders.length + listed.invalid.length + listed.otherStatus,
        checked,
        missing,
        invalid,
        hasNext: listed.hasNext,
        count: listed.count,
        positions: listed.listed,
      };
    },

    /** One log line per order without a workflow, and a summary line. */
    reportReconciliation(result: ReconcileResult): Promise<void> {
      for (const m of result.missing) {
        deps.logger.warn(
          {
            apicbaseId: m.id,
            orderNumber: m.orderNumber,
            orderedOn: m.orderedOn,
            customerNumber: m.customerNumber,
            workflowId: m.workflowId,
          },
          'Apicbase order is ORDERED but has no workflow',
        );
      }
      for (const bad of result.invalid) {
        deps.logger.warn(
          { apicbaseId: bad.id, orderNumber: bad.orderNumber, problems: bad.problems },
          'Apicbase order cannot be read; check it by hand',
        );
      }
      const level = result.missing.length || result.invalid.length ? 'warn' : 'info';
      deps.logger[level](
        {
          checked: result.checked,
          missing: result.missing.length,
          unreadable: result.invalid.length,
          orderedAfter: result.orderedAfter,
          placedBefore: result.placedBefore,
        },
        'Apicbase reconciliation finished',
      );
      return Promise.resolve();
    },
  };
}

export type ApicbaseActivities = ReturnType<typeof createApicbaseActivities>;
