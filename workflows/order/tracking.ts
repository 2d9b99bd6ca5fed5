// Tracking an order Hublify holds: poll order_get on the schedule (or at once when asked; the sweep's
// data, when it told the order, stands in for the order_get: told.ts), flag it
// overdue, time it out, and hand over to a fresh run when the history grows long.
import { isCancellation, setCurrentDetails, workflowInfo, condition } from '@temporalio/workflow';
import type { HublifyOrderData } from '../../src/hublify/types';
import { describeFailure } from '../failures';
import { epochMsOf, parseIsoDateTime } from '../iso-date-time';
import { pollDelayMs } from '../poll-schedule';
import { newShipments } from '../shipments';
import * as options from './activity-options';
import type { OrderRun } from './order-run';
import type { PatchAtStart } from './patches';
import { currentDetails } from './stage-book';
import { notFoundText } from './texts';
import { toldAnswer } from './told';

const KNOWN_STATES = ['received', 'processing', 'partially_shipped'];

/** Tracking asks for a fresh run (the history grew long): the entry drains, then continues as new with run.carried(). */
export const CONTINUE_AS_NEW = 'continue-as-new';
/**
 * Patch (issue 22.4): when the run is due to continue as new while side steps (notify, e-mail, mark
 * viewed) still run, it keeps tracking (polls on the schedule, a push or pollNow at once) until they
 * settle, instead of waiting for them with no polling.
 */
export const TRACKING_GOES_ON_WHILE_SIDE_STEPS_RUN = 'tracking-goes-on-while-side-steps-run' satisfies PatchAtStart;

/** Tracks until shipped, cancelled in Hublify or timed out; or asks to continue as new. */
export async function track(run: OrderRun): Promise<typeof CONTINUE_AS_NEW | undefined> {
  const { status, settings, input } = run;
  if (!run.tracking) {
    run.tracking = { trackingStartedAt: new Date().toISOString(), pollIndex: 0 };
    // Corrections Hublify does not hold keep the order NEEDS_ATTENTION (open-corrections.ts).
    await run.book.enter(
      status.corrections ? status.stage : 'WAITING_FOR_SHIPMENT',
      `Hublify state ${status.hublify!.state}`,
    );
    if (settings.apicbaseViewed) run.book.markViewedInApicbase(settings.apicbaseViewed.taskQueue);
  }
  const tracking = run.tracking;
  const { trackingStartedAt } = tracking;
  // An adopted order that already shipped or was cancelled ends at once.
  const adoptedState = status.hublify!.state;
  if (settings.finalStates.includes(adoptedState) || settings.cancelledStates.includes(adoptedState))
    run.pollRequested = true;
  const hardLimitAt = Date.parse(trackingStartedAt) + settings.hardLimitMs;
  // Read like verify and map read it (an offset-less time is UTC), never in the worker's own zone.
  const expected = input.order.expected_delivery_date
    ? parseIsoDateTime(input.order.expected_delivery_date, { allowDateOnly: true })
    : undefined;
  const overdueAt = expected ? epochMsOf(expected) + settings.overdueGraceMs : undefined;

  for (let pollsThisRun = 0; ; pollsThisRun++) {
    // Keep the history bounded: start a fresh run carrying everything the status shows. Side steps
    // still running would hold the run at its end with no polling: it tracks on until they settle.
    const due = pollsThisRun >= settings.pollsPerRun || workflowInfo().continueAsNewSuggested;
    const holding = due && run.book.sideStepsPending() && run.patches.has(TRACKING_GOES_ON_WHILE_SIDE_STEPS_RUN);
    if (due && !holding) return CONTINUE_AS_NEW;
    await flagIfOverdue(run, overdueAt);
    const wait = nextWait(run, hardLimitAt, overdueAt);
    if (!run.pollRequested) {
      const settled = () => holding && !run.book.sideStepsPending();
      const woken = await condition(() => run.pollRequested || settled(), wait);
      // The side steps settled with nothing to poll for: continue as new now.
      if (woken && !run.pollRequested) continue;
    }
    run.pollRequested = false;
    await run.retryCorrections();

    await flagIfOverdue(run, overdueAt);
    tracking.pollIndex += 1;
    const told = toldAnswer(run, run.told);
    run.told = undefined;
    if (await (told ? acceptAnswer(run, told) : pollOnce(run))) return undefined;
    if (Date.now() >= hardLimitAt) {
      await run.book.enter('TIMED_OUT', `not shipped within ${Math.round(settings.hardLimitMs / 1000)}s of injection`);
      run.book.notifySupport('TIMED_OUT', null);
      return undefined;
    }
  }
}

/** Until the next poll: the schedule's step, cut short by the hard limit and the overdue instant. */
function nextWait(run: OrderRun, hardLimitAt: number, overdueAt: number | undefined): number {
  const now = Date.now();
  const wait = Math.min(
    pollDelayMs(run.settings.pollSchedule, run.tracking!.pollIndex),
    Math.max(hardLimitAt - now, 0),
  );
  if (overdueAt !== undefined && !run.status.overdue && overdueAt > now) return Math.min(wait, overdueAt - now);
  return wait;
}

async function flagIfOverdue(run: OrderRun, overdueAt: number | undefined): Promise<void> {
  if (overdueAt === undefined || run.status.overdue || Date.now() < overdueAt) return;
  run.status.overdue = true;
  // Corrections Hublify does not hold keep the order NEEDS_ATTENTION; it is flagged overdue all the same.
  await run.book.enter(
    run.status.corrections ? run.status.stage : 'OVERDUE',
    `expected delivery ${run.input.order.expected_delivery_date} passed (plus grace); still tracking`,
  );
  run.book.notifySupport('OVERDUE', null);
}

/** Polls order_get once, by both ids; true when the order reached a final state. */
async function pollOnce(run: OrderRun): Promise<boolean> {
  const { status } = run;
  const ref = status.hublify!;
  status.attempts.polls += 1;
  let data: HublifyOrderData | null;
  try {
    data = await run.remote.findHublifyOrder.executeWithOptions(
      { ...options.hublifyCall(run.settings), summary: `poll Hublify order ${ref.orderId} (order_get)` },
      [{ orderid: ref.orderId, o_orderid_external: run.externalId }],
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    status.lastError = run.lastErrorWith(`order_get failed: ${describeFailure(err)}`);
    setCurrentDetails(currentDetails(status));
    return false;
  }
  // Never trust an id alone: an answer for another order, or none, is trouble for support, not a state.
  if (
    !data ||
    data.orderid !== ref.orderId ||
    (data.o_orderid_external != null && data.o_orderid_external !== run.externalId)
  ) {
    if (status.stage !== 'NEEDS_ATTENTION') {
      const text = notFoundText(ref, run.externalId, data);
      status.lastError = text;
      await run.book.enter(
        'NEEDS_ATTENTION',
        text,
        `Hublify order not found or mismatched (OrderNotFoundInHublify) · order ${run.input.order.order_number}`,
      );
      run.book.notifySupport('NEEDS_ATTENTION', 'OrderNotFoundInHublify');
    }
    return false;
  }
  return acceptAnswer(run, data);
}

/** An answer that is ours (order_get's, or the sweep's): clears the error, leaves NEEDS_ATTENTION, applies it. */
async function acceptAnswer(run: OrderRun, data: HublifyOrderData): Promise<boolean> {
  const { status } = run;
  status.lastError = run.afterPoll(data);
  if (status.stage === 'NEEDS_ATTENTION' && !status.corrections)
    await run.book.enter(
      status.overdue ? 'OVERDUE' : 'WAITING_FOR_SHIPMENT',
      `Hublify answers for ${status.hublify!.orderId} again`,
    );
  return applyAnswer(run, data);
}

/** Hublify's answer for our order: new shipments recorded, a final state ends tracking, a new state noted. */
async function applyAnswer(run: OrderRun, data: HublifyOrderData): Promise<boolean> {
  const { status, settings } = run;
  const ref = status.hublify!;
  const fresh = newShipments(data, status.shipments);
  if (fresh.length) {
    await run.local.recordShipments(run.workflowId, fresh);
    status.shipments.push(...fresh);
  }
  const state = data.order_state_code;
  const changed = state !== ref.state;
  ref.state = state;
  ref.stateName = data.order_state_name ?? ref.stateName;
  if (settings.finalStates.includes(state)) {
    await run.book.enter('SHIPPED', `Hublify state ${state}; ${status.shipments.length} shipment(s)`);
    return true;
  }
  if (settings.cancelledStates.includes(state)) {
    await run.book.enter('CANCELLED', `cancelled in Hublify (state ${state})`);
    return true;
  }
  if (changed) {
    const known = KNOWN_STATES.includes(state);
    if (!known && !status.unknownStates.includes(state)) status.unknownStates.push(state);
    await run.book.enter(status.stage, `Hublify state ${state}${known ? '' : ' (unknown state code; still tracking)'}`);
  } else if (fresh.length) {
    await run.book.enter(status.stage, `${fresh.length} new shipment(s)`);
  }
  return false;
}
