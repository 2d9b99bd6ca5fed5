// Changes to the order workflow decided once, when a run starts, before its first await.
//
// Why not where the change is used: a patched() call that runs after a local activity's result can
// replay in an earlier workflow task than the one that recorded its marker (the result was recorded in
// task N, the code after it ran in task N+1; on replay the result resolves inside task N, before task
// N+1's markers are known), so replay takes the old branch and fails with "Non-deprecated patch marker
// encountered … no corresponding change command" (issue 22 item 2's backed-out patch, seen under load).
// Decided at the start, a run keeps the behaviour it started with for its whole life, which is also what
// its history can prove. Append new patch ids at the end; never remove or reorder them.
import { patched } from '@temporalio/workflow';

/**
 * Patch (issue 22, I2 and I4): Hublify's order under our o_orderid_external is ours by identity (our
 * external id and person), not by matching a version sent: differing items are corrections to send.
 * A failed attempt's request counts as sent (its reply may have been lost after Hublify created the
 * order). A cancel says "Hublify never had the order" only when Hublify, asked then, holds none of ours;
 * when it cannot be asked, the answer says so.
 */
export const DUPLICATE_OURS_BY_IDENTITY = 'duplicate-ours-by-identity';

/**
 * Patch (issue 22 item 8, I4): an amendment whose injection attempt failed (Hublify away, or it said no)
 * answers `pending`, not REFUSED: Hublify holds nothing, and the corrected request goes with the next attempt.
 */
export const AMEND_PENDING_AFTER_FAILED_ATTEMPT = 'truth-amend-pending-after-failed-attempt';

/** Patch (issue 22 item 8, I9): an injection attempt an amendment stopped counts in the status's inject attempts. */
export const STOPPED_ATTEMPT_COUNTED = 'truth-stopped-attempt-counted';

/**
 * Patch (issue 22.3, I3): a correction Hublify does not hold (refused by order_update, or not sent) stays
 * open in the status and keeps the order NEEDS_ATTENTION until Hublify holds it; `retry` sends it again; an
 * order not yet in Hublify that waits for support names the corrections pending (open-corrections.ts).
 */
export const OPEN_CORRECTIONS_KEEP_ATTENTION = 'open-corrections-keep-attention';

/**
 * Patch (issue 22, I2 and I4): a cancel while Hublify cannot be asked whether an attempt created the order
 * changes nothing: the answer is `unknown-in-hublify` and the order waits for support (cancel again when
 * Hublify answers, or `--stop-tracking`), so the relay never stops following an order Hublify may ship
 * without being told to. With `--stop-tracking` it stops, answering `stopped-unasked`.
 */
export const CANCEL_UNASKED_CHANGES_NOTHING = 'cancel-unasked-changes-nothing';

export const PATCHES_AT_START = [
  DUPLICATE_OURS_BY_IDENTITY,
  // Issue 22.6: a stage the status notes is recorded in the store even when a cancel reached the scope.
  'stage-recorded-despite-cancel',
  // Issue 22.4: due to continue as new while side steps run, the run keeps tracking until they settle.
  'tracking-goes-on-while-side-steps-run',
  // Issue 22.4: a push or pollNow not acted on yet is carried into the next run, which polls at once.
  'pending-poll-carried-across-continue-as-new',
  // The sweep's statusChanged data ends tracking without an order_get (issue 25; told.ts).
  'sweep-data-spares-order-get',
  // Issue 22.8: an amendment whose attempt failed answers pending, not REFUSED.
  AMEND_PENDING_AFTER_FAILED_ATTEMPT,
  // Issue 22.8: an attempt an amendment stopped counts in the inject attempts.
  STOPPED_ATTEMPT_COUNTED,
  // Issue 22.7: a rejection counts as shown only when the webhook confirms it answers the 422.
  'rejection-shown-confirmed-by-webhook',
  // Issue 22.3: a correction Hublify does not hold keeps the order NEEDS_ATTENTION until it does.
  OPEN_CORRECTIONS_KEEP_ATTENTION,
  // Issue 22 I2: a cancel while Hublify cannot be asked changes nothing (unless --stop-tracking).
  CANCEL_UNASKED_CHANGES_NOTHING,
  // Issue 22 I8: a final stage is recorded by a remote activity, never by a local one in a closing task.
  'final-stage-recorded-by-activity',
] as const satisfies readonly string[];

export type PatchAtStart = (typeof PATCHES_AT_START)[number];

/** The changes decided at its start that this run has: `run.patches.has(id)`. */
export type RunPatches = ReadonlySet<PatchAtStart>;

/** Asks for every patch, in the listed order (each call records its marker in a new run). */
export function patchesAtStart(): RunPatches {
  return new Set(PATCHES_AT_START.filter((id) => patched(id)));
}
