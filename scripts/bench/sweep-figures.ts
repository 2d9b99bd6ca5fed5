// The park bench's figures about tracking at constant cost (issue 25): the Hublify calls the sandbox
// received while the orders waited, the time from a shipment in Hublify (no push) to SHIPPED in the
// relay, and what one sweep costs in Temporal actions, read off a real sweep's history.
import type { Client } from '@temporalio/client';
import { orderWorkflowId } from '../../src/apicbase/order';
import type { HublifySandbox } from '../../src/hublify/sandbox/server';
import { SWEEP_WORKFLOW_TYPE } from '../../src/hublify/sweep-schedule';
import { pollUntil } from '../../src/poll-until';
import { statusQuery } from '../../workflows/order-messages';
import { countActions } from './actions';

export interface HublifyCalls {
  seconds: number;
  /** Calls per verb received in the window. */
  byVerb: Record<string, number>;
  perMinute: number;
}

export function hublifyCallsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
  seconds: number,
): HublifyCalls {
  const byVerb: Record<string, number> = {};
  for (const [verb, n] of Object.entries(after)) if (n > (before[verb] ?? 0)) byVerb[verb] = n - (before[verb] ?? 0);
  const total = Object.values(byVerb).reduce((a, b) => a + b, 0);
  return { seconds, byVerb, perMinute: Math.round((total / seconds) * 60 * 100) / 100 };
}

export interface ShipmentLatency {
  samples: number;
  p50Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Ships `orders` in the sandbox at moments spread over `spreadMs` (so they fall anywhere in a sweep's
 * interval; the sandbox pushes nothing), waits until each is SHIPPED, and reads when its workflow
 * entered SHIPPED off its stage history.
 */
export async function shipmentLatency(
  client: Client,
  sandbox: HublifySandbox,
  orders: ReadonlyArray<{ id: string; orderNumber: string }>,
  opts: { spreadMs: number; timeoutMs: number },
): Promise<ShipmentLatency> {
  const shippedAt = new Map<string, number>();
  await Promise.all(
    orders.map(async (o, i) => {
      await new Promise((r) => setTimeout(r, (opts.spreadMs * i) / orders.length));
      sandbox.ship(o.orderNumber);
      shippedAt.set(o.id, Date.now());
    }),
  );
  const seenAt = new Map<string, number>();
  await pollUntil(
    async () => {
      for (const o of orders) {
        if (seenAt.has(o.id)) continue;
        const status = await client.workflow
          .getHandle(orderWorkflowId(o.id))
          .query(statusQuery)
          .catch(() => undefined);
        const entered = status?.stage === 'SHIPPED' ? status.history.find((h) => h.stage === 'SHIPPED')?.at : undefined;
        if (entered) seenAt.set(o.id, Date.parse(entered));
      }
      return seenAt.size === orders.length;
    },
    {
      what: () => `the sample's shipments seen by the relay: ${seenAt.size} of ${orders.length}`,
      timeoutMs: opts.timeoutMs,
      everyMs: 2_000,
    },
  );
  const seconds = orders.map((o) => (seenAt.get(o.id)! - shippedAt.get(o.id)!) / 1000).sort((a, b) => a - b);
  return {
    samples: seconds.length,
    p50Seconds: round1(quantile(seconds, 0.5)),
    p99Seconds: round1(quantile(seconds, 0.99)),
    maxSeconds: round1(seconds.at(-1)!),
  };
}

/** Temporal actions of one completed sweep run on the task queue (its start by the schedule included). */
export async function sweepActionsPerRun(client: Client, taskQueue: string): Promise<number | undefined> {
  const query = `WorkflowType = "${SWEEP_WORKFLOW_TYPE}" AND TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed"`;
  for await (const run of client.workflow.list({ query, pageSize: 1 })) {
    return countActions((await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? []);
  }
  return undefined;
}
