// The Hublify sweep's one activity (workflows/hublify-sweep-workflow.ts): list the orders whose state
// changed since the cursor less the overlap (src/hublify/sweep-list.ts); of those in a state that ends
// tracking (shipped, cancelled…), find the running order workflows that track them — one visibility query per batch, by the `HublifyOrderId` search attribute
// each order workflow sets when Hublify takes the order — tell each one with the order workflow's own
// `statusChanged` signal (as Hublify's push does) carrying the listed row, which the workflow takes in place of
// an order_get (workflows/order/told.ts), and move the cursor in the schedule. Orders no
// running workflow tracks are counted and ignored. Orders in other states (an order just created is
// listed as `received`, within every window that covers its creation) are counted, not told: telling
// them would wake each, several times over the overlap, for nothing that ends tracking;
// their state shows in the order's status at its next poll (the safety net) or push. A listing left incomplete by a cap fails the sweep
// after telling what it did get, so the cursor stays and the failure shows (alert HublifySweepNotSucceeding).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { HublifyClient } from '../src/hublify/client';
import { listChangedOrders } from '../src/hublify/sweep-list';
import { saveSweep } from '../src/hublify/sweep-schedule';
import type { HublifyOrderData } from '../src/hublify/types';
import { ORDER_WORKFLOW_TYPE, isQueryable, queryLiteral } from '../src/operations/visibility-query';
import type { HublifySweepInput, HublifySweepResult } from '../workflows/hublify-sweep-types';
import { statusChangedSignal } from '../workflows/order-messages';
import { HublifyOrderId } from '../workflows/search-attributes';
import { callHublify } from './api-failures';

export interface SweepSettings {
  overlapMs: number;
  listLimit: number;
  /** States that end tracking (TRACK_FINAL_STATES and TRACK_CANCELLED_STATES): told, and asked one by one when a list is capped. */
  endStates: readonly string[];
}

export interface SweepActivityDeps {
  hublify: HublifyClient;
  client: Client;
  settings: () => SweepSettings;
  logger: Logger;
}

/** Hublify ids per visibility query: a short query string, and well under a page. */
const LOOKUP_BATCH = 50;
/** Signals in flight at once. */
const SIGNALS_AT_ONCE = 16;

export function createSweepActivities(deps: SweepActivityDeps) {
  return {
    async sweepHublify(input: HublifySweepInput): Promise<HublifySweepResult> {
      const settings = deps.settings();
      const now = new Date();
      const from = new Date(Date.parse(input.cursor) - settings.overlapMs);
      const listing = await callHublify(() =>
        listChangedOrders(deps.hublify, { from, now, listLimit: settings.listLimit, narrowStates: settings.endStates }),
      );
      Context.current().heartbeat('listed');
      const ending = listing.orders.filter((o) => settings.endStates.includes(o.order_state_code));
      const tracked = await findTracking(deps.client, ending);
      let signalled = 0;
      let closed = 0;
      const toTell = [...tracked.one.entries()];
      for (let i = 0; i < toTell.length; i += SIGNALS_AT_ONCE) {
        await Promise.all(
          toTell.slice(i, i + SIGNALS_AT_ONCE).map(async ([workflowId, order]) => {
            try {
              await deps.client.workflow
                .getHandle(workflowId)
                .signal(statusChangedSignal, { state: order.order_state_code, order: toldRow(order) });
              signalled += 1;
            } catch (err) {
              // It finished between the look-up and the signal: nothing waits for this change any more.
              if (!(err instanceof WorkflowNotFoundError)) throw err;
              closed += 1;
            }
          }),
        );
        Context.current().heartbeat(`told ${signalled}`);
      }
      const result: HublifySweepResult = {
        at: now.toISOString(),
        from: from.toISOString(),
        search: listing.search,
        listCalls: listing.listCalls,
        listed: listing.orders.length,
        ending: ending.length,
        signalled,
        ignored: ending.length - tracked.one.size - tracked.ambiguous + closed,
        ambiguous: tracked.ambiguous,
        ...(listing.narrowedTo ? { narrowedTo: listing.narrowedTo } : {}),
      };
      if (tracked.ambiguous)
        deps.logger.warn(
          { ambiguous: tracked.ambiguous },
          'Hublify sweep: orders claimed by more than one running workflow were not told',
        );
      if (listing.cappedStates.length) {
        deps.logger.error(
          { ...result, cappedStates: listing.cappedStates },
          'Hublify sweep: order_getList capped even per state; cursor kept, per-order polls cover the rest',
        );
        throw ApplicationFailure.nonRetryable(
          `order_getList answered ${settings.listLimit} rows or more for state(s) ${listing.cappedStates.join(', ')} since ${from.toISOString()}: ` +
            `the list is capped (HUBLIFY_LIST_LIMIT); ${signalled} orders told, cursor not moved`,
          'HublifyListCapped',
        );
      }
      await saveSweep(deps.client, input.channel, result);
      if (signalled || result.narrowedTo) deps.logger.info(result, 'Hublify sweep');
      return result;
    },
  };
}

export type SweepActivities = ReturnType<typeof createSweepActivities>;

/**
 * The listed row as the order workflow takes it in place of an order_get: its ids, state and shipments,
 * without Hublify's customer ids (personid) — nothing the workflow records needs them.
 */
export function toldRow(order: HublifyOrderData): HublifyOrderData {
  return {
    orderid: order.orderid,
    ...(order.o_orderid_external != null ? { o_orderid_external: order.o_orderid_external } : {}),
    order_state_code: order.order_state_code,
    ...(order.order_state_name != null ? { order_state_name: order.order_state_name } : {}),
    ...(order.delivery_list
      ? { delivery_list: order.delivery_list.map(({ personid: _personid, ...shipment }) => shipment) }
      : {}),
  };
}

/** Running order workflows by the Hublify order they track: `one` maps workflow id → order; `ambiguous` counts orders two claim. */
async function findTracking(
  client: Client,
  orders: HublifyOrderData[],
): Promise<{ one: Map<string, HublifyOrderData>; ambiguous: number }> {
  const byHublifyId = new Map(orders.filter((o) => isQueryable(o.orderid)).map((o) => [o.orderid, o]));
  const claims = new Map<string, string[]>();
  const ids = [...byHublifyId.keys()];
  for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
    const batch = ids.slice(i, i + LOOKUP_BATCH);
    const query =
      `WorkflowType = ${queryLiteral(ORDER_WORKFLOW_TYPE)} AND ExecutionStatus = ${queryLiteral('Running')} AND ` +
      `${HublifyOrderId.name} IN (${batch.map(queryLiteral).join(', ')})`;
    for await (const wf of client.workflow.list({ query, pageSize: 2 * LOOKUP_BATCH })) {
      const hublifyId = wf.typedSearchAttributes.get(HublifyOrderId);
      if (hublifyId) claims.set(hublifyId, [...(claims.get(hublifyId) ?? []), wf.workflowId]);
    }
  }
  const one = new Map<string, HublifyOrderData>();
  let ambiguous = 0;
  for (const [hublifyId, workflowIds] of claims) {
    if (workflowIds.length === 1) one.set(workflowIds[0]!, byHublifyId.get(hublifyId)!);
    else ambiguous += 1;
  }
  return { one, ambiguous };
}
