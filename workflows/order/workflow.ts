// The order workflow: one per Apicbase order (id `apicbase-order-<Apicbase id>`).
// check (verify + map) → inject into Hublify → track until shipped, recording every stage and shipment.
// Retries, timeouts and waits are Temporal's: activity retry policies, durable timers, signals, updates.
// Deterministic: no I/O, clocks or randomness but the SDK's own (Date.now() here is workflow time).
//
// Shaped for the engine: the check and the stage bookkeeping are local activities (no server round
// trip), so the verdict is answered from the first workflow task and order_create is the only remote
// activity before WAITING_FOR_SHIPMENT.
//
// This file is the run's outline: the version switch, one OrderRun (order-run.ts), its handlers as
// one-line calls, the main cancellation-scope loop, and the drain before the end or continue-as-new.
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
} from '@temporalio/workflow';
import {
  amendUpdate,
  cancelReasonSignal,
  cancelUpdate,
  pollNowSignal,
  rejectionShownSignal,
  requestQuery,
  retrySignal,
  statusChangedSignal,
  statusQuery,
  verdictUpdate,
  type AmendRequest,
  type CancelRequest,
  type OrderStatus,
  type OrderWorkflowInput,
} from '../order-contract';
import { OrderRun } from './order-run';
import { CONTINUE_AS_NEW } from './tracking';
import { orderWorkflowV1 } from './v1/order-workflow-v1';

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderStatus> {
  // Runs started before this version (their histories lack the marker) go on as they were written.
  // eslint-disable-next-line no-restricted-syntax -- the version switch runs before anything else in a run
  if (!patched('order-workflow-v2')) return orderWorkflowV1(input);
  return runOrder(input);
}

async function runOrder(input: OrderWorkflowInput): Promise<OrderStatus> {
  const run = new OrderRun(input);
  setHandler(statusQuery, () => run.status);
  setHandler(requestQuery, () => run.amendments.shown());
  setHandler(verdictUpdate, (req) => run.answerVerdict(req));
  setHandler(rejectionShownSignal, () => run.confirmRejectionShown());
  setHandler(pollNowSignal, () => run.requestPoll());
  setHandler(statusChangedSignal, (arg) => run.tell(arg));
  setHandler(retrySignal, (arg) => run.requestRetry(arg?.note));
  setHandler(cancelReasonSignal, (reason) => run.noteCancelReason(reason));
  setHandler(cancelUpdate, (req) => run.cancel(req), { validator: (req: CancelRequest) => run.validateCancel(req) });
  setHandler(amendUpdate, (req) => run.amend(req), { validator: (req: AmendRequest) => run.validateAmend(req) });

  run.book.showDetails();
  const outcome = await untilSettled(run);
  await CancellationScope.nonCancellable(() => drain(run));
  if (outcome === 'rejected') throw run.rejection();
  return run.status;
}

/**
 * The steps in the main cancellation scope, again after a cancel that Hublify's holding the order
 * refused. A cancel ends as a completed run with stage CANCELLED, so a re-sent webhook does not revive it.
 */
async function untilSettled(run: OrderRun): Promise<'done' | 'rejected' | 'cancelled'> {
  for (;;) {
    const scope = new CancellationScope();
    run.mainScope = scope;
    try {
      return await scope.run(() => stepsOrContinue(run));
    } catch (err) {
      if (!isCancellation(err)) throw err;
      if ((await CancellationScope.nonCancellable(() => run.settleCancel())) === 'ended') return 'cancelled';
    }
  }
}

/** The steps; when tracking asks for a fresh run (a bounded history), drains and continues as new. */
async function stepsOrContinue(run: OrderRun): Promise<'done' | 'rejected'> {
  const result = await run.steps();
  if (result !== CONTINUE_AS_NEW) return result;
  await drain(run);
  return continueAsNew<typeof orderWorkflow>({ ...run.input, carried: run.carried() });
}

/** Side steps (notify, e-mail, mark viewed) and message handlers finish before the run ends. */
async function drain(run: OrderRun): Promise<void> {
  await run.book.sideStepsDone();
  await condition(allHandlersFinished);
}
