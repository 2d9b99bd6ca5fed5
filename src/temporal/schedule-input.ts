// The first argument of a schedule's start-workflow action, read and rewritten in place: where the
// Apicbase pull and the Hublify sweep keep their durable cursors. A rewrite is a read-modify-write
// guarded by the schedule's conflict token, so it never overwrites a concurrent change (it throws, and
// the caller, an activity, is retried). The arguments pass through the client's whole data converter,
// so its payload codec encrypts them (src/codec).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex, encodeToPayload } from '@temporalio/common/lib/internal-non-workflow';

/**
 * Rewrites the action's first argument with `change(current)`; `undefined` from `change` leaves the
 * schedule as it is. Resolves with the argument in force afterwards.
 */
export async function rewriteScheduleInput<T>(
  client: Client,
  scheduleId: string,
  change: (current: T | undefined) => T | undefined,
): Promise<T | undefined> {
  const { namespace, identity } = client.options;
  const converter = client.options.loadedDataConverter;
  const described = await client.workflowService.describeSchedule({ namespace, scheduleId });
  const schedule = described.schedule;
  const start = schedule?.action?.startWorkflow;
  if (!schedule || !start) throw new Error(`schedule ${scheduleId} has no start-workflow action`);
  const payloads = start.input?.payloads ?? [];
  const current = payloads[0] ? await decodeFromPayloadsAtIndex<T>(converter, 0, payloads) : undefined;
  const next = change(current ?? undefined);
  if (next === undefined) return current ?? undefined;
  start.input = { payloads: [await encodeToPayload(converter, next), ...payloads.slice(1)] };
  await client.workflowService.updateSchedule({
    namespace,
    scheduleId,
    schedule,
    conflictToken: described.conflictToken,
    identity,
    requestId: randomUUID(),
  });
  return next;
}
