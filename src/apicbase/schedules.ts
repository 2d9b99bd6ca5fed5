// The Temporal Schedules behind pull mode and reconciliation. Made idempotent at start-up: created
// when missing, updated when the interval or task queue changed, paused (not deleted: the pull
// cursor lives in the schedule) when the mode turns them off, and unpaused when it turns them on.
//
// The pull cursor is the argument of the schedule's action ({cursor}); each poll advances it with
// advancePullCursor(), a read-modify-write guarded by the schedule's conflict token, so it never
// overwrites a concurrent change and never moves backwards.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import type { Logger } from 'pino';
import type { PullOrdersInput } from '../../workflows/apicbase-types';
import { instantOf, laterOf } from '../../workflows/purchase-order-walk';
import { rewriteScheduleInput } from '../temporal/schedule-input';

export const PULL_SCHEDULE_ID = 'apicbase-pull-orders';
export const RECONCILE_SCHEDULE_ID = 'apicbase-reconcile-orders';
export const PULL_WORKFLOW_ID = 'apicbase-pull';
export const RECONCILE_WORKFLOW_ID = 'apicbase-reconcile';
/** Pauses made by order-relay carry this note, so an operator's own pause is never undone. */
const OUR_PAUSE = 'order-relay:';

export interface ApicbaseScheduleSettings {
  taskQueue: string;
  /** Pull: every this many ms; 0 or undefined = pull is off. */
  pullIntervalMs?: number;
  /** The cursor of the very first poll. */
  initialCursor: string;
  /** Reconciliation: every this many ms; 0 or undefined = off. */
  reconcileIntervalMs?: number;
  /** Why a schedule is off (the pause note). */
  offReason: { pull: string; reconcile: string };
}

export async function ensureApicbaseSchedules(
  client: Client,
  s: ApicbaseScheduleSettings,
  logger: Logger,
): Promise<void> {
  await ensureSchedule(client, logger, {
    scheduleId: PULL_SCHEDULE_ID,
    workflowType: 'pullOrdersWorkflow',
    workflowId: PULL_WORKFLOW_ID,
    taskQueue: s.taskQueue,
    everyMs: s.pullIntervalMs,
    initialArgs: [{ cursor: s.initialCursor } satisfies PullOrdersInput],
    summary: 'Apicbase pull: start every new ORDERED order',
    offReason: s.offReason.pull,
  });
  await ensureSchedule(client, logger, {
    scheduleId: RECONCILE_SCHEDULE_ID,
    workflowType: 'reconcileOrdersWorkflow',
    workflowId: RECONCILE_WORKFLOW_ID,
    taskQueue: s.taskQueue,
    everyMs: s.reconcileIntervalMs,
    initialArgs: [],
    summary: 'Apicbase reconciliation: report ORDERED orders without a workflow',
    offReason: s.offReason.reconcile,
  });
}

export interface ScheduleWish {
  scheduleId: string;
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  everyMs: number | undefined;
  initialArgs: unknown[];
  summary: string;
  offReason: string;
}

export async function describeOrUndefined(handle: ScheduleHandle): Promise<ScheduleDescription | undefined> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

export async function ensureSchedule(client: Client, logger: Logger, w: ScheduleWish): Promise<void> {
  const handle = client.schedule.getHandle(w.scheduleId);
  const current = await describeOrUndefined(handle);
  if (!w.everyMs) {
    if (current && !current.state.paused) {
      await handle.pause(`${OUR_PAUSE} ${w.offReason}`);
      logger.info({ scheduleId: w.scheduleId }, `paused schedule: ${w.offReason}`);
    }
    return;
  }
  // Never more than one run at a time; after an outage, one catch-up run is enough.
  const policies = { overlap: 'SKIP' as const, catchupWindow: Math.max(w.everyMs, 60_000) };
  if (!current) {
    try {
      await client.schedule.create({
        scheduleId: w.scheduleId,
        spec: { intervals: [{ every: w.everyMs }] },
        action: {
          type: 'startWorkflow',
          workflowType: w.workflowType,
          workflowId: w.workflowId,
          taskQueue: w.taskQueue,
          args: w.initialArgs,
          staticSummary: w.summary,
        },
        policies,
      });
      logger.info({ scheduleId: w.scheduleId, everyMs: w.everyMs }, 'created schedule');
      return;
    } catch (err) {
      // Another process created it a moment ago: fall through and check it like an existing one.
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
  const existing = current ?? (await handle.describe());
  const interval = existing.spec.intervals?.[0];
  const everyMatches =
    existing.spec.intervals?.length === 1 &&
    interval?.every === Math.round(w.everyMs / 1000) * 1000 &&
    !interval.offset;
  const queueMatches = existing.action.type === 'startWorkflow' && existing.action.taskQueue === w.taskQueue;
  if (!everyMatches || !queueMatches || existing.action.workflowType !== w.workflowType) {
    // The update keeps the action's arguments, i.e. the pull cursor.
    await handle.update((prev) => ({
      ...prev,
      spec: { intervals: [{ every: w.everyMs! }] },
      action: { ...prev.action, workflowType: w.workflowType, taskQueue: w.taskQueue },
      policies: { ...prev.policies, ...policies },
    }));
    logger.info({ scheduleId: w.scheduleId, everyMs: w.everyMs }, 'updated schedule');
  }
  if (existing.state.paused && (existing.state.note ?? '').startsWith(OUR_PAUSE)) {
    await handle.unpause(`${OUR_PAUSE} enabled again`);
    logger.info({ scheduleId: w.scheduleId }, 'unpaused schedule');
  } else if (existing.state.paused) {
    logger.warn(
      { scheduleId: w.scheduleId, note: existing.state.note },
      'schedule is paused by an operator; left paused',
    );
  }
}

/** The cursor the next poll will use (undefined when pull was never set up). */
export async function readPullCursor(client: Client): Promise<string | null | undefined> {
  return (await readPullScheduleState(client))?.cursor;
}

/** A cursor-keeping schedule as support reads it (`pull status`, `sweep status`), its argument decoded. */
export interface ScheduleState {
  scheduleId: string;
  paused: boolean;
  note?: string;
  everyMs?: number;
  /** Runs the schedule started lately (newest last). */
  recentStarts: string[];
  /** The next planned start. */
  nextStart?: string;
}

/**
 * The state of the schedule behind `handle`, with what `cursorOf` reads from its action's first argument
 * (the cursor, decoded: Temporal's CLI shows the encrypted argument as base64); undefined when the
 * schedule does not exist (no worker ever made it).
 */
export async function describeScheduleState<Input, Cursor extends object>(
  handle: ScheduleHandle,
  cursorOf: (input: Partial<Input>) => Cursor,
): Promise<(ScheduleState & Cursor) | undefined> {
  const described = await describeOrUndefined(handle);
  if (!described || described.action.type !== 'startWorkflow') return undefined;
  const every = described.spec.intervals?.[0]?.every;
  const next = described.info.nextActionTimes[0];
  return {
    scheduleId: handle.scheduleId,
    paused: described.state.paused,
    ...(described.state.note ? { note: described.state.note } : {}),
    ...(typeof every === 'number' ? { everyMs: every } : {}),
    ...cursorOf((described.action.args?.[0] ?? {}) as Partial<Input>),
    recentStarts: described.info.recentActions.map((a) => a.takenAt.toISOString()),
    ...(next ? { nextStart: next.toISOString() } : {}),
  };
}

/** The pull schedule as support reads it. */
export interface PullScheduleState extends ScheduleState {
  /** The next poll lists orders placed since then (null: from the start). */
  cursor: string | null;
}

/** The pull schedule's state, or undefined when pull mode was never set up on this Temporal. */
export async function readPullScheduleState(client: Client): Promise<PullScheduleState | undefined> {
  return describeScheduleState<PullOrdersInput, Pick<PullScheduleState, 'cursor'>>(
    client.schedule.getHandle(PULL_SCHEDULE_ID),
    (input) => ({ cursor: input.cursor ?? null }),
  );
}

/**
 * Moves the schedule's cursor forward to `cursor` (never back). Resolves with the cursor in force
 * afterwards. Throws when the schedule changed in between (conflict token): the caller retries.
 */
export async function advancePullCursor(client: Client, cursor: string): Promise<string> {
  const after = await rewriteScheduleInput<PullOrdersInput>(client, PULL_SCHEDULE_ID, (current) => {
    const input = current ?? { cursor: null };
    // Never backwards (a cursor that cannot be read is replaced).
    if (
      laterOf(input.cursor, cursor) === input.cursor &&
      input.cursor !== null &&
      instantOf(input.cursor) !== undefined
    )
      return undefined;
    return { ...input, cursor };
  });
  return after?.cursor ?? cursor;
}
