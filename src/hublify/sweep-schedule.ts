// The Hublify sweep's Temporal Schedule, one per channel: `hublify-sweep-<channel>` every
// HUBLIFY_SWEEP_INTERVAL starts hublifySweepWorkflow. Made idempotently at a worker's start like the
// Apicbase schedules (created, updated when the interval changes, paused by `HUBLIFY_SWEEP_INTERVAL=0`,
// never deleted) with overlap policy SKIP: never two sweeps at once. The durable cursor is the action's
// argument ({channel, cursor, last}), moved by the sweep activity only after a complete sweep, so a
// sweep that fails — or a schedule paused, or a Temporal outage of hours — leaves it where it was and
// the next sweep lists everything since: catching up needs one run, not one run per missed interval.
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { HublifySweepInput, HublifySweepResult } from '../../workflows/hublify-sweep-types';
import { describeScheduleState, ensureSchedule, type ScheduleState } from '../apicbase/schedules';
import { rewriteScheduleInput } from '../temporal/schedule-input';

export const sweepScheduleId = (channel: string): string => `hublify-sweep-${channel}`;
export const sweepWorkflowId = (channel: string): string => `hublify-sweep-${channel}`;
export const SWEEP_WORKFLOW_TYPE = 'hublifySweepWorkflow';

export interface SweepScheduleSettings {
  channel: string;
  taskQueue: string;
  /** 0 = the sweep is off (the schedule, if any, is paused). */
  everyMs: number;
  /** The first sweep lists from here (less the overlap). */
  initialCursor: string;
}

export async function ensureSweepSchedule(client: Client, s: SweepScheduleSettings, logger: Logger): Promise<void> {
  await ensureSchedule(client, logger, {
    scheduleId: sweepScheduleId(s.channel),
    workflowType: SWEEP_WORKFLOW_TYPE,
    workflowId: sweepWorkflowId(s.channel),
    taskQueue: s.taskQueue,
    everyMs: s.everyMs,
    initialArgs: [{ channel: s.channel, cursor: s.initialCursor } satisfies HublifySweepInput],
    summary: `Hublify sweep of ${s.channel}: tell waiting orders what changed in Hublify`,
    offReason: 'HUBLIFY_SWEEP_INTERVAL=0: the Hublify sweep is off',
  });
}

/** Records a complete sweep: the cursor moves to its `at` (never back) and `last` becomes it. */
export async function saveSweep(client: Client, channel: string, result: HublifySweepResult): Promise<void> {
  await rewriteScheduleInput<HublifySweepInput>(client, sweepScheduleId(channel), (current) => {
    const cursor = current && Date.parse(current.cursor) > Date.parse(result.at) ? current.cursor : result.at;
    return { channel, cursor, last: result };
  });
}

export interface SweepState extends ScheduleState {
  cursor: string;
  last?: HublifySweepResult;
}

/** What `order-relay sweep status` shows; undefined when no worker ever made the schedule. */
export async function readSweepState(client: Client, channel: string): Promise<SweepState | undefined> {
  return describeScheduleState<HublifySweepInput, Pick<SweepState, 'cursor' | 'last'>>(
    client.schedule.getHandle(sweepScheduleId(channel)),
    (input) => ({ cursor: input.cursor ?? '-', ...(input.last ? { last: input.last } : {}) }),
  );
}
