// One Hublify sweep, started by the schedule `hublify-sweep-<channel>` (src/hublify/sweep-schedule.ts)
// every HUBLIFY_SWEEP_INTERVAL: one activity lists the orders whose state changed in Hublify since the
// cursor (less the overlap), tells each running order workflow that tracks one now shipped or cancelled (the order
// workflow's own `statusChanged` signal, as Hublify's push does), and moves the cursor kept in the
// schedule's arguments. A failed sweep leaves the cursor where it was, so the next one covers the gap.
// Deliberately one activity: a sweep costs the same few Temporal actions however many orders wait.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { SweepActivities } from '../activities/hublify-sweep';
import type { HublifySweepInput, HublifySweepResult } from './hublify-sweep-types';

const { sweepHublify } = proxyActivities<SweepActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '1m',
  // A Hublify outage is not waited out here: the sweep fails, and the next scheduled one starts again from the cursor.
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 4 },
});

export async function hublifySweepWorkflow(input: HublifySweepInput): Promise<HublifySweepResult> {
  setCurrentDetails(
    `**sweeping** Hublify ${input.channel}: orders whose state changed since ${input.cursor} (less the overlap)`,
  );
  const result = await sweepHublify(input);
  setCurrentDetails(
    `**done** · ${result.listed} listed (${result.search}${result.narrowedTo ? `, capped: asked per state ${result.narrowedTo.join(', ')}` : ''}) · ` +
      `${result.ending} shipped or cancelled: ${result.signalled} orders told, ${result.ignored} not tracked · next cursor ${result.at}`,
  );
  return result;
}
