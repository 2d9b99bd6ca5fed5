// The check every bench run ends with: no order lost, none duplicated. Counted on the Hublify sandbox's
// side — the order_create calls it RECEIVED, in total and per o_orderid_external — against the workflows
// Temporal started on the run's task queue and the orders the sender was told were taken.
import type { Client } from '@temporalio/client';
import type { HublifySandbox } from '../../src/hublify/sandbox/server';
import { SWEEP_WORKFLOW_TYPE } from '../../src/hublify/sweep-schedule';
import { pollUntil } from '../../src/poll-until';

export interface DeliveryCheck {
  /** Workflows started on the run's task queue (visibility). */
  started: number;
  /** Orders answered 2xx to the sender. */
  acknowledged: number;
  /** order_create calls the sandbox received. */
  orderCreateCalls: number;
  /** Distinct orders in Hublify. */
  inHublify: number;
  /** Acknowledged orders not in Hublify. */
  lost: number;
  /** Orders for which the sandbox received more than one order_create call. */
  duplicated: number;
  ok: boolean;
}

export async function countWorkflows(client: Client, query: string): Promise<number> {
  return (await client.workflow.count(query)).count;
}

/**
 * Waits until every workflow started on the run's task queue has settled (`settled`, a visibility
 * condition such as its stage) and what Hublify received agrees with them, then returns the reckoning.
 * The load generator cuts its last requests when its time is up, and the relay may still start a
 * workflow for one after the load stopped, unacknowledged: the reckoning is taken once both sides agree.
 * A duplicate never goes away, so one ends the wait at once; a lost order ends it at `timeoutMs`.
 */
export async function settledDeliveries(input: {
  client: Client;
  taskQueue: string;
  sandbox: HublifySandbox;
  /** o_orderid_external of every order the sender got a 2xx for. */
  acknowledged: readonly string[];
  settled: string;
  what: string;
  timeoutMs: number;
  everyMs?: number;
}): Promise<DeliveryCheck> {
  // The Hublify sweep's runs share the task queue, and are not the run's orders (nor a floor's workflows).
  const q = `TaskQueue = "${input.taskQueue}" AND WorkflowType != "${SWEEP_WORKFLOW_TYPE}"`;
  let check: DeliveryCheck | undefined;
  let settled = 0;
  const agreed = async () => {
    const started = await countWorkflows(input.client, q);
    settled = await countWorkflows(input.client, `${q} AND ${input.settled}`);
    check = countDeliveries({ started, sandbox: input.sandbox, acknowledged: input.acknowledged });
    return check.duplicated > 0 || (settled === started && check.ok);
  };
  await pollUntil(agreed, {
    what: () => `${input.what}: ${settled} settled; last reckoning ${JSON.stringify(check)} (raise --drain-timeout)`,
    timeoutMs: input.timeoutMs,
    everyMs: input.everyMs ?? 500,
  });
  return check!;
}

/** The reckoning against what the sandbox received, given how many workflows were started. */
export function countDeliveries(input: {
  started: number;
  sandbox: HublifySandbox;
  acknowledged: readonly string[];
}): DeliveryCheck {
  const { started } = input;
  const orderCreateCalls = input.sandbox.requestCounts().order_create ?? 0;
  const known = new Set(input.sandbox.orders().map((o) => o.o_orderid_external ?? ''));
  const inHublify = known.size;
  const lost = input.acknowledged.filter((id) => !known.has(id)).length;
  // Per order: the sandbox answers a second call for an order as a duplicate, but it received it, and
  // so it counts here.
  const duplicated = [...known].filter((id) => input.sandbox.orderCreateCalls(id) > 1).length;
  return {
    started,
    acknowledged: input.acknowledged.length,
    orderCreateCalls,
    inHublify,
    lost,
    duplicated,
    ok: lost === 0 && duplicated === 0 && orderCreateCalls === started && inHublify === started,
  };
}

/** Orders per second into Hublify: orders created from `since` until the sandbox created the last one. */
export function ordersPerSecondIntoHublify(sandbox: HublifySandbox, since: number): number {
  const created = sandbox.orders().map((o) => Date.parse(o.created_at));
  if (created.length === 0) return 0;
  const seconds = (Math.max(...created) - since) / 1000;
  return Math.round((created.length / seconds) * 10) / 10;
}
