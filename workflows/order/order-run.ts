// One run of the order workflow: its steps (check, inject, track, settle a cancel) and what its messages
// do (verdict, retry, amend, cancel). The entry (workflow.ts) registers the handlers as one-line calls.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import type { HublifyOrderCreateRequest, HublifyOrderData } from '../../src/hublify/types';
import { validateAmendRequest } from '../amend-validation';
import { describeFailure, failureType } from '../failures';
import { amendedFieldNames } from '../order-request';
import type {
  AmendRequest,
  AmendResult,
  CancelRequest,
  CancelResult,
  CarriedState,
  HublifyRef,
  OrderVerdict,
  OrderWorkflowInput,
  VerdictRequest,
} from '../order-status';
import type { StatusChangedArg } from '../order-messages';
import { CANCEL_REFUSED_IN_HUBLIFY, FINAL_STAGES } from '../order-status';
import { HublifyOrderId } from '../search-attributes';
import * as options from './activity-options';
import { Amendments } from './amendments';
import {
  holdsItems,
  lastErrorWith,
  openCorrectionsText,
  pendingCorrectionsNote,
  withOpen,
  withoutHeld,
} from './open-corrections';
import {
  AMEND_PENDING_AFTER_FAILED_ATTEMPT,
  CANCEL_UNASKED_CHANGES_NOTHING,
  DUPLICATE_OURS_BY_IDENTITY,
  OPEN_CORRECTIONS_KEEP_ATTENTION,
  STOPPED_ATTEMPT_COUNTED,
  patchesAtStart,
  type PatchAtStart,
  type RunPatches,
} from './patches';
import { newStatus, StageBook, type SupportText } from './stage-book';
import * as texts from './texts';
import { CONTINUE_AS_NEW, track } from './tracking';

/** The verdict is answered this long before its caller stops waiting, so the answer still reaches it. */
const VERDICT_MARGIN_MS = 750;
const DEFAULT_AMEND_WAIT_MS = 20_000;
/** Patch: a successful check records the VERIFIED stage in the same local activity. */
export const VERIFIED_RECORDED_BY_CHECK = 'verified-recorded-by-check';
/** Patch: the look-up after an attempt an amendment stopped, when Hublify does not answer, waits for support (issue 22.1). */
export const STOPPED_ATTEMPT_LOOKUP_WAITS_FOR_SUPPORT = 'stopped-attempt-lookup-waits-for-support';
/** Patch: a rejection counts as shown only when the webhook confirms it answers the 422 (issue 22.7). */
export const REJECTION_SHOWN_CONFIRMED = 'rejection-shown-confirmed-by-webhook' satisfies PatchAtStart;
/** How long a run whose verdict answered a rejection waits for the webhook's confirmation that it shows it. */
const REJECTION_SHOWN_WAIT_MS = 10_000;
/** Patch: a push or pollNow that arrived before continue-as-new is carried into the next run, which polls at once (issue 22.4). */
export const PENDING_POLL_CARRIED = 'pending-poll-carried-across-continue-as-new' satisfies PatchAtStart;

export class OrderRun {
  readonly book: StageBook;
  readonly amendments: Amendments;
  readonly workflowId: string;
  /** Our o_orderid_external in Hublify. */
  readonly externalId: string;
  readonly local = proxyLocalActivities<OrderActivities>(options.LOCAL);
  readonly remote: ReturnType<typeof proxyActivities<OrderActivities>>;
  /** A poll was asked for (pollNow, statusChanged, retry). */
  pollRequested = false;
  /** What the sweep's statusChanged said about the order since the last poll (workflows/order/told.ts). */
  told: HublifyOrderData | undefined;
  /** The tracking clock, once tracking started (carried across continue-as-new). */
  tracking: Pick<CarriedState, 'trackingStartedAt' | 'pollIndex'> | undefined;
  /** The main cancellation scope of the steps (a cancel update cancels it). */
  mainScope: CancellationScope | undefined;
  private verdict: OrderVerdict | undefined;
  private verdictWaiters = 0;
  private rejectionShown = false;
  /** The verdict answered a caller with the rejection (it is shown once that caller confirms). */
  private rejectionAnswered = false;
  private retryRequested = false;
  private retryNote: string | undefined;
  private cancelRequest: CancelRequest | undefined;
  private cancelOutcome: CancelResult | undefined;
  private injectScope: CancellationScope | undefined;
  private injectionStarted = false;
  private restartInjection = false;
  /** Set by a cancel that changed nothing because Hublify could not be asked: the reason support waits on. */
  private heldByUnaskedCancel: string | undefined;

  /** Changes decided at the run's start (patches.ts says why not later). */
  readonly patches: RunPatches;

  constructor(readonly input: OrderWorkflowInput) {
    this.patches = patchesAtStart();
    const { carried, settings } = input;
    this.workflowId = workflowInfo().workflowId;
    // Options merge key by key into the proxy's (retry policies too), so the proxy sets none of its own.
    this.remote = proxyActivities<OrderActivities>({
      startToCloseTimeout: options.hublifyCall(settings).startToCloseTimeout,
    });
    this.externalId = carried?.request.fields.order.o_orderid_external ?? input.order.order_number;
    const status = carried?.status ?? newStatus(input, this.workflowId, workflowInfo().startTime);
    this.book = new StageBook(
      status,
      input,
      (record) => this.local.recordStage(record),
      this.patches,
      (record) =>
        this.remote.recordStage.executeWithOptions(
          { ...options.FINAL_RECORD, summary: `record stage ${record.stage} of order ${input.order.order_number}` },
          [record],
        ),
    );
    this.amendments = new Amendments(carried?.request);
    this.verdict = carried
      ? { workflowId: this.workflowId, accepted: true, stage: status.stage, reasons: [] }
      : undefined;
    this.tracking = carried
      ? { trackingStartedAt: carried.trackingStartedAt, pollIndex: carried.pollIndex }
      : undefined;
    // A push or pollNow the previous run had not acted on: polled at once.
    this.pollRequested = carried?.pollRequested === true;
  }

  get status() {
    return this.book.status;
  }

  get settings() {
    return this.input.settings;
  }

  // ---- messages -------------------------------------------------------------------------------
  async answerVerdict(req: VerdictRequest | undefined): Promise<OrderVerdict> {
    this.verdictWaiters += 1;
    try {
      const bound = req?.answerBy === undefined ? undefined : req.answerBy - Date.now() - VERDICT_MARGIN_MS;
      if (this.verdict === undefined) {
        if (bound === undefined) await condition(() => this.verdict !== undefined);
        else if (bound > 0) await condition(() => this.verdict !== undefined, bound);
      }
      if (this.verdict === undefined)
        return { workflowId: this.workflowId, accepted: true, stage: this.status.stage, reasons: [], pending: true };
      if (!this.verdict.accepted) {
        // Before this patch the answer counted as shown, even when its caller had already answered 202.
        if (this.patches.has(REJECTION_SHOWN_CONFIRMED)) this.rejectionAnswered = true;
        else this.rejectionShown = true;
      }
      return this.verdict;
    } finally {
      this.verdictWaiters -= 1;
    }
  }

  /** The webhook answers the customer with the rejection (the 422). */
  confirmRejectionShown(): void {
    if (this.patches.has(REJECTION_SHOWN_CONFIRMED) && this.verdict?.accepted === false) this.rejectionShown = true;
  }

  requestPoll(): void {
    this.pollRequested = true;
    // A poll asked for without data (pollNow, a push) asks Hublify itself.
    this.told = undefined;
  }

  /** statusChanged: poll now, or take the sweep's data when it carries some. */
  tell(arg: StatusChangedArg | undefined): void {
    this.requestPoll();
    this.told = arg?.order;
  }

  requestRetry(note: string | undefined): void {
    this.retryRequested = true;
    this.pollRequested = true;
    this.retryNote = note;
  }

  noteCancelReason(reason: string): void {
    this.status.cancelReason = reason;
  }

  validateCancel(req: CancelRequest): void {
    if (FINAL_STAGES.includes(this.status.stage)) throw new Error(`order is ${this.status.stage}: nothing to cancel`);
    if (typeof req?.reason !== 'string' || !req.reason.trim()) throw new Error('a reason is required');
    if (this.cancelRequest) throw new Error('a cancel is already under way');
    if (this.status.hublify && !req.stopTracking) {
      throw ApplicationFailure.create({
        type: CANCEL_REFUSED_IN_HUBLIFY,
        nonRetryable: true,
        message: texts.cancelRefusedText(this.status.hublify.orderId),
      });
    }
  }

  async cancel(req: CancelRequest): Promise<CancelResult> {
    this.cancelRequest = req;
    this.cancelOutcome = undefined;
    this.mainScope?.cancel();
    await condition(() => this.cancelOutcome !== undefined);
    return this.cancelOutcome!;
  }

  validateAmend(req: AmendRequest): void {
    if (FINAL_STAGES.includes(this.status.stage)) throw new Error(`order is ${this.status.stage}: nothing to amend`);
    if (this.amendments.request === undefined)
      throw new Error('order is not mapped yet (fix the customer directory, then send `retry`)');
    validateAmendRequest(req);
  }

  async amend(req: AmendRequest): Promise<AmendResult> {
    const fields = amendedFieldNames(req);
    const note = this.book.noteText(req.note);
    const inHublify = this.hublifyRef();
    if (inHublify) {
      const result = await this.updateInHublify(inHublify, req, fields, note);
      return {
        outcome: result.updated.length ? 'updated' : 'refused',
        pendingFields: [],
        hublifyOrderId: inHublify.orderId,
        ...result,
      };
    }
    // Not in Hublify yet: the corrected request goes with the next attempt. An attempt in flight ends
    // first; if it created the order with the old values after all, order_update sends the corrections.
    const version = this.amendments.amendBeforeInjection(req, fields);
    this.restartInjection = this.injectScope !== undefined;
    this.injectScope?.cancel();
    if (this.status.stage === 'NEEDS_ATTENTION') this.retryRequested = true;
    await this.book.enter(
      this.status.stage,
      texts.amendReceivedDetail(fields, note.detail),
      texts.amendReceivedDetail(fields, note.publicDetail),
    );
    const settled = await condition(
      () => this.amendments.settled(version),
      this.settings.amendWaitMs ?? DEFAULT_AMEND_WAIT_MS,
    );
    const ref = this.hublifyRef();
    const sync = this.amendments.syncOf(version);
    if (sync && ref) return { ...sync, pendingFields: [], hublifyOrderId: ref.orderId };
    if (!settled || this.patches.has(AMEND_PENDING_AFTER_FAILED_ATTEMPT)) {
      return {
        outcome: 'pending',
        updated: [],
        refused: [],
        pendingFields: fields,
        hublifyOrderId: null,
        messages: [
          settled
            ? texts.amendKeptAfterFailedAttemptText(this.status.lastError, fields)
            : texts.amendPendingText(this.status.lastError, fields),
        ],
      };
    }
    return {
      outcome: 'refused',
      updated: [],
      refused: fields,
      pendingFields: [],
      hublifyOrderId: null,
      messages: [this.status.lastError ?? 'injection failed'],
    };
  }

  /** order_update for an order Hublify holds; the amendments keep only what Hublify accepted. */
  private async updateInHublify(ref: HublifyRef, req: AmendRequest, fields: string[], note: SupportText) {
    const result = await this.remote.updateHublifyOrder.executeWithOptions(
      { ...options.hublifyCall(this.settings), summary: `amend Hublify order ${ref.orderId} (order_update)` },
      [
        { orderid: ref.orderId },
        { order: { ...req.order, ...(req.orderitems ? { orderitems: req.orderitems } : {}) } },
      ],
    );
    this.amendments.updated(req, result.updated);
    const refused = fields.filter((f) => !result.updated.includes(f));
    await this.book.enter(
      this.status.stage,
      texts.amendedInHublifyDetail(result.updated, refused, note.detail),
      texts.amendedInHublifyDetail(result.updated, refused, note.publicDetail),
    );
    const open = await this.correctionsAnswered(req, result.updated, refused, result.messages.join('; '));
    return { updated: result.updated, refused, messages: open ? [...result.messages, open] : result.messages };
  }

  /**
   * order_update answered: the open corrections it applied close, those it refused stay open and keep the
   * order NEEDS_ATTENTION (patch `open-corrections-keep-attention`). When the last one closes, tracking goes on.
   */
  private async correctionsAnswered(
    req: AmendRequest,
    updated: string[],
    refused: string[],
    why: string,
  ): Promise<string | undefined> {
    const open = this.status.corrections;
    if (open) this.status.corrections = withoutHeld(open, updated);
    if (refused.length && this.patches.has(OPEN_CORRECTIONS_KEEP_ATTENTION)) {
      this.status.corrections = withOpen(this.status.corrections, req, refused, 'refused', why || 'refused');
      return this.holdForCorrections('AmendmentNotInHublify');
    }
    if (open && !this.status.corrections) await this.correctionsClosed();
    return undefined;
  }

  /** NEEDS_ATTENTION naming every correction Hublify does not hold and what support does about it. */
  private async holdForCorrections(type: string | null): Promise<string> {
    const text = openCorrectionsText(this.status.corrections!, this.status.hublify!.orderId);
    this.status.lastError = text.detail;
    await this.book.enter(
      'NEEDS_ATTENTION',
      text.detail,
      `${text.publicDetail} (${type ?? 'error'}) · order ${this.input.order.order_number}`,
    );
    this.book.notifySupport('NEEDS_ATTENTION', type);
    return text.detail;
  }

  /** Hublify holds every correction now: tracking goes on (before tracking starts, it starts as usual). */
  private async correctionsClosed(): Promise<void> {
    this.status.lastError = null;
    if (this.status.stage === 'NEEDS_ATTENTION' && this.tracking)
      await this.book.enter(this.status.overdue ? 'OVERDUE' : 'WAITING_FOR_SHIPMENT', 'Hublify holds the corrections');
  }

  /**
   * Support's `retry` while corrections are open: order_update sends them again. Hublify's refusal (or a
   * failed call) keeps the order NEEDS_ATTENTION. Called by tracking before it polls.
   */
  async retryCorrections(): Promise<void> {
    const open = this.status.corrections;
    if (!open || !this.retryRequested) return;
    this.retryRequested = false;
    const note = this.book.noteText(this.retryNote);
    this.retryNote = undefined;
    try {
      await this.updateInHublify(this.status.hublify!, open.update, open.fields, {
        detail: ` (retry${note.detail})`,
        publicDetail: ` (retry${note.publicDetail})`,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const type = failureType(err) ?? 'HublifyUnavailable';
      this.status.corrections = {
        ...open,
        state: type === 'HublifyRejected' ? 'refused' : 'not-sent',
        why: describeFailure(err),
      };
      await this.holdForCorrections(type);
    }
  }

  /**
   * A poll's answer for our order: open item corrections Hublify holds now (support changed the order in
   * Hublify) close. Returns the last error the answer leaves: the open corrections', else none.
   */
  afterPoll(data: HublifyOrderData): string | null {
    const open = this.status.corrections;
    if (open && holdsItems(open, data)) {
      this.amendments.updated(open.update, ['orderitems']);
      this.status.corrections = withoutHeld(open, ['orderitems']);
    }
    return this.lastErrorWith(null);
  }

  /** `error` with the open corrections' text before it, while any is open. */
  lastErrorWith(error: string | null): string | null {
    return lastErrorWith(this.status.corrections, this.status.hublify?.orderId, error);
  }

  // Read through a function: TypeScript cannot see that handlers change it across an await.
  hublifyRef(): HublifyRef | null {
    return this.status.hublify;
  }

  /**
   * What the next run carries on continue-as-new: everything the status shows, the tracking clock, and
   * (since patch `pending-poll-carried-across-continue-as-new`) a push or pollNow not acted on yet.
   */
  carried(): CarriedState {
    return {
      status: this.status,
      request: this.amendments.carried(),
      trackingStartedAt: this.tracking!.trackingStartedAt,
      pollIndex: this.tracking!.pollIndex,
      ...(this.pollRequested && this.patches.has(PENDING_POLL_CARRIED) ? { pollRequested: true } : {}),
    };
  }

  // ---- steps ------------------------------------------------------------------------------------
  /** The steps, resumable: each skips what an earlier pass (before a cancel that was refused) did. */
  async steps(): Promise<'done' | 'rejected' | typeof CONTINUE_AS_NEW> {
    if (this.amendments.request === undefined && !(await this.check())) return 'rejected';
    await this.waitAfterUnaskedCancel();
    await this.inject();
    return (await track(this)) ?? 'done';
  }

  /**
   * Verify and map (one local activity). Returns false when the order ends REJECTED: only when the
   * customer was shown the rejection (the webhook's 422). Rejected after a 2xx, or pulled, it waits
   * for support in NEEDS_ATTENTION.
   */
  private async check(): Promise<boolean> {
    const { order, source } = this.input;
    for (;;) {
      // Each pass gives a new verdict: only its own answer awaits a confirmation.
      this.rejectionAnswered = false;
      const checkOptions = { ...options.LOCAL, summary: `verify and map order ${order.order_number}` };
      // Since this patch the check records VERIFIED itself: the verdict is answered after one local
      // activity instead of two (the first workflow task is the webhook's `verified` latency).
      // eslint-disable-next-line no-restricted-syntax -- recorded where it is used before patches.ts (before the first local activity); old histories hold its marker there
      const checkRecords = patched(VERIFIED_RECORDED_BY_CHECK);
      const at = new Date().toISOString();
      const result = checkRecords
        ? await this.local.checkOrderRecordingVerified.executeWithOptions(checkOptions, [
            order,
            this.book.record('VERIFIED', at, undefined),
          ])
        : await this.local.checkOrder.executeWithOptions(checkOptions, [order]);
      if (result.ok) {
        this.amendments.mapped(result.request);
        this.status.rejectionReasons = [];
        this.verdict = { workflowId: this.workflowId, accepted: true, stage: 'VERIFIED', reasons: [] };
        if (checkRecords) this.book.note('VERIFIED', at);
        else await this.book.enter('VERIFIED');
        return true;
      }
      this.status.rejectionReasons = result.reasons;
      this.verdict = { workflowId: this.workflowId, accepted: false, stage: 'REJECTED', reasons: result.reasons };
      // A caller waiting for the verdict (the webhook in `verified` mode) takes it now, and confirms
      // when it shows the customer the rejection.
      await condition(() => this.verdictWaiters === 0);
      if (this.rejectionAnswered && !this.rejectionShown)
        await condition(() => this.rejectionShown, REJECTION_SHOWN_WAIT_MS);
      if (this.rejectionShown && source === 'webhook') {
        await this.book.enter(
          'REJECTED',
          result.reasons.join('; '),
          `order rejected (OrderRejected): ${result.reasons.length} reason(s)`,
        );
        return false;
      }
      if (await this.rejectedAfterAnswer(result.reasons)) return false;
    }
  }

  /** A rejection the customer was not shown: support is told; true when a redelivery showed it (REJECTED). */
  private async rejectedAfterAnswer(reasons: string[]): Promise<boolean> {
    const fromWebhook = this.input.source === 'webhook';
    const after = fromWebhook
      ? 'after its 2xx answer (the customer was not shown it)'
      : '(a pulled order cannot be refused)';
    await this.book.tellCustomer(reasons);
    this.book.notifySupport('NEEDS_ATTENTION', 'OrderRejected', fromWebhook);
    await this.waitForSupport(
      `order rejected ${after}: ${reasons.join('; ')}`,
      `order rejected ${after} (OrderRejected): ${reasons.length} reason(s)`,
      'OrderRejected',
      fromWebhook,
    );
    if (this.rejectionShown && fromWebhook) {
      // A redelivery of the webhook was answered 422: the customer sees the rejection now.
      await this.book.enter(
        'REJECTED',
        `rejection shown to the customer on redelivery: ${reasons.join('; ')}`,
        'order rejected (OrderRejected) on redelivery',
      );
      return true;
    }
    return false;
  }

  /** The run's failure when the customer was shown the rejection (the id may then be reused). */
  rejection(): ApplicationFailure {
    const reasons = this.status.rejectionReasons;
    return ApplicationFailure.nonRetryable(
      `order ${this.input.order.order_number} rejected: ${reasons.join('; ')}`,
      'OrderRejected',
      reasons,
    );
  }

  /** NEEDS_ATTENTION until support sends `retry` (or, for a rejection, the customer is shown it). */
  async waitForSupport(
    reason: string,
    publicReason: string,
    type: string | null,
    orUntilRejectionShown = false,
  ): Promise<void> {
    // Corrections not in Hublify yet are named while the order waits (open-corrections.ts).
    const pending = this.hublifyRef() === null ? this.amendments.pendingFields() : [];
    if (pending.length && this.patches.has(OPEN_CORRECTIONS_KEEP_ATTENTION)) {
      reason += pendingCorrectionsNote(pending);
      publicReason += pendingCorrectionsNote(pending);
    }
    this.status.lastError = reason;
    await this.book.enter('NEEDS_ATTENTION', reason, publicReason);
    this.book.notifySupport('NEEDS_ATTENTION', type);
    this.retryRequested = false;
    await condition(() => this.retryRequested || (orUntilRejectionShown && this.rejectionShown));
    if (this.retryRequested) {
      const note = this.book.noteText(this.retryNote);
      await this.book.enter(this.status.stage, `retry requested${note.detail}`, `retry requested${note.publicDetail}`);
    }
    this.retryRequested = false;
    this.retryNote = undefined;
  }

  /** order_create until Hublify has the order; then any corrections it did not get go by order_update. */
  private async inject(): Promise<void> {
    const { order } = this.input;
    while (this.hublifyRef() === null) {
      const sent = this.amendments.request!;
      const version = this.amendments.version;
      this.injectionStarted = true;
      const scope = new CancellationScope();
      this.injectScope = scope;
      const byIdentity = this.patches.has(DUPLICATE_OURS_BY_IDENTITY);
      try {
        const result = await scope.run(() =>
          this.remote.injectOrder.executeWithOptions(
            {
              ...options.injection(this.settings),
              summary: `inject order ${order.order_number} into Hublify (order_create)`,
            },
            byIdentity ? [sent, this.amendments.sentVersions, 'identity'] : [sent, this.amendments.sentVersions],
          ),
        );
        this.amendments.sent(sent);
        this.status.attempts.inject += result.attempts;
        await this.adopt(
          { orderId: result.orderId, personId: result.personId, state: result.state, stateName: result.stateName },
          result.duplicate
            ? texts.duplicateAdoptedDetail(result.orderId, byIdentity)
            : `Hublify order ${result.orderId}`,
          result.duplicate ? undefined : { from: sent, current: version === this.amendments.version },
        );
      } catch (err) {
        if (isCancellation(err) && this.restartInjection && !this.mainScope?.consideredCancelled) {
          // An amendment stopped the attempt: it may have reached Hublify before it ended.
          this.restartInjection = false;
          this.amendments.sent(sent);
          if (this.patches.has(STOPPED_ATTEMPT_COUNTED)) this.status.attempts.inject += 1;
          await this.adoptAfterStoppedAttempt();
          continue;
        }
        if (byIdentity && !isCancellation(err)) this.amendments.sent(sent);
        await this.injectFailed(err, version);
      } finally {
        this.injectScope = undefined;
      }
    }
    await this.sendCorrections();
  }

  /**
   * An amendment stopped the attempt: it may have reached Hublify before it ended, so Hublify is asked.
   * Since patch `stopped-attempt-lookup-waits-for-support`, a look-up Hublify does not answer (an outage)
   * sends the order to support instead of failing the run; support's retry (or the next amendment) sends
   * the amended order, which Hublify's own duplicate check ties to the stopped attempt if it created one.
   */
  private async adoptAfterStoppedAttempt(): Promise<void> {
    try {
      await this.adoptIfHublifyHasIt('the stopped attempt had created it');
    } catch (err) {
      if (
        isCancellation(err) ||
        !(err instanceof ActivityFailure) ||
        // eslint-disable-next-line no-restricted-syntax -- recorded where it is used before patches.ts; old histories hold its marker there
        !patched(STOPPED_ATTEMPT_LOOKUP_WAITS_FOR_SUPPORT)
      )
        throw err;
      const type = failureType(err) ?? 'HublifyUnavailable';
      await this.waitForSupport(
        texts.stoppedAttemptUnknownText(this.externalId, describeFailure(err)),
        `Hublify could not be asked about an attempt an amendment stopped (${type}) · order ${this.input.order.order_number}`,
        type,
      );
    }
  }

  /** An attempt's own failure: Hublify said no or was away; support decides. Anything else is a bug. */
  private async injectFailed(err: unknown, version: number): Promise<void> {
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
    const { retryForMs } = this.settings.injectRetry;
    this.status.attempts.inject += 1;
    this.amendments.failed(version);
    const type = failureType(err) ?? 'HublifyUnavailable';
    await this.waitForSupport(
      texts.injectFailureText(failureType(err) ?? '', describeFailure(err), retryForMs),
      `${texts.injectFailureTitle(type, retryForMs)} (${type}) · order ${this.input.order.order_number}`,
      type,
    );
  }

  /**
   * Hublify has the order now. `created` names the request that created it, when known (not a duplicate
   * or a lookup), and whether it carried every amendment; otherwise the corrections follow by order_update.
   */
  private async adopt(
    ref: HublifyRef,
    detail: string,
    created?: { from: HublifyOrderCreateRequest; current: boolean },
  ): Promise<void> {
    this.status.hublify = ref;
    this.status.lastError = null;
    this.amendments.adopted(created, `injected as ${ref.orderId}`);
    upsertSearchAttributes([{ key: HublifyOrderId, value: ref.orderId }]);
    await this.book.enter('INJECTED', detail);
  }

  /** Asks Hublify by our o_orderid_external; adopts the order when it is there. */
  private async adoptIfHublifyHasIt(why: string): Promise<boolean> {
    const found = await this.lookUpInHublify();
    if (!found) return false;
    await this.adopt(
      {
        orderId: found.orderid,
        personId: found.personid ?? null,
        state: found.order_state_code,
        stateName: found.order_state_name ?? null,
      },
      `found in Hublify as ${found.orderid}: ${why}`,
    );
    return true;
  }

  /** Hublify's order under our o_orderid_external, when it is this order (any version sent). */
  private async lookUpInHublify(): Promise<HublifyOrderData | null> {
    const byIdentity = this.patches.has(DUPLICATE_OURS_BY_IDENTITY);
    return this.remote.findInjectedOrder.executeWithOptions(
      { ...options.lookup(this.settings), summary: `look up order ${this.externalId} in Hublify (order_get)` },
      byIdentity
        ? [this.amendments.request!, this.amendments.sentVersions, 'identity']
        : [this.amendments.request!, this.amendments.sentVersions],
    );
  }

  /** Corrections made while the order was on its way in, which Hublify did not get with order_create. */
  private async sendCorrections(): Promise<void> {
    const corrections = this.amendments.takeCorrections();
    if (!corrections) return;
    const { version, fields, update } = corrections;
    try {
      const during = { detail: texts.CORRECTIONS_DURING_INJECTION, publicDetail: texts.CORRECTIONS_DURING_INJECTION };
      const result = await this.updateInHublify(this.status.hublify!, update, fields, during);
      this.amendments.noteSync({ outcome: result.updated.length ? 'updated' : 'refused', ...result });
    } catch (err) {
      if (isCancellation(err)) throw err;
      if (this.patches.has(OPEN_CORRECTIONS_KEEP_ATTENTION)) {
        await this.correctionsNotSent(err, update, fields);
        this.amendments.correctionsSettled(version);
        return;
      }
      this.amendments.noteSync({
        outcome: 'refused',
        updated: [],
        refused: fields,
        messages: [`order_update failed: ${describeFailure(err)}`],
      });
      this.status.lastError = `the corrections (${fields.join(', ')}) did not reach Hublify: ${describeFailure(err)}`;
      await this.book.enter(
        'NEEDS_ATTENTION',
        this.status.lastError,
        `corrections did not reach Hublify (${failureType(err) ?? 'error'}) · order ${this.input.order.order_number}`,
      );
      this.book.notifySupport('NEEDS_ATTENTION', failureType(err) ?? null);
    }
    this.amendments.correctionsSettled(version);
  }

  /**
   * order_update of the corrections made during the injection failed: they stay open, REFUSED when Hublify
   * said no, else `pending` (the value is sent again by `retry`).
   */
  private async correctionsNotSent(err: unknown, update: AmendRequest, fields: string[]): Promise<void> {
    const type = failureType(err) ?? 'HublifyUnavailable';
    const refused = type === 'HublifyRejected';
    const why = describeFailure(err);
    this.status.corrections = withOpen(this.status.corrections, update, fields, refused ? 'refused' : 'not-sent', why);
    const text = await this.holdForCorrections(type);
    this.amendments.noteSync(
      refused
        ? { outcome: 'refused', updated: [], refused: fields, messages: [text] }
        : { outcome: 'pending', updated: [], refused: [], messages: [text] },
    );
  }

  /**
   * After a cancel (support's `cancel` update, or Temporal's own): an injection attempt has ended by now;
   * ask Hublify whether it got the order, so no Hublify order exists that the relay does not know of.
   * Returns 'go-on' when Hublify turned out to hold the order and the cancel did not ask to stop tracking.
   */
  async settleCancel(): Promise<'go-on' | 'ended'> {
    const req = this.cancelRequest ?? {
      reason: this.status.cancelReason ?? 'cancelled in Temporal (no reason given)',
      stopTracking: true,
    };
    let unasked: string | undefined;
    // A hold from an earlier unasked cancel ends here: this cancel asks Hublify again.
    this.heldByUnaskedCancel = undefined;
    if (this.status.hublify === null && this.injectionStarted) {
      try {
        await this.adoptIfHublifyHasIt('an injection attempt reached Hublify before the cancel');
      } catch (err) {
        unasked = describeFailure(err);
        this.status.lastError = `could not ask Hublify whether it has order ${this.externalId}: ${unasked}`;
      }
    }
    const ref = this.hublifyRef();
    if (ref && !req.stopTracking) {
      this.cancelOutcome = {
        outcome: 'in-hublify',
        hublifyOrderId: ref.orderId,
        message: texts.inHublifyAfterAllText(ref),
      };
      this.cancelRequest = undefined;
      return 'go-on';
    }
    const changesNothing = this.patches.has(CANCEL_UNASKED_CHANGES_NOTHING);
    if (unasked !== undefined && changesNothing && !req.stopTracking) return this.cancelNotDoneUnasked(unasked);
    this.status.cancelReason = req.reason;
    if (ref) await this.stopTracking(ref, req.reason);
    else if (unasked !== undefined && (changesNothing || this.patches.has(DUPLICATE_OURS_BY_IDENTITY)))
      await this.endUnasked(req.reason, unasked, changesNothing);
    else await this.cancelBeforeHublify(req.reason);
    return 'ended';
  }

  /**
   * Hublify could not be asked whether an attempt created the order: nothing is cancelled (it may be there
   * and ship); the steps go on by waiting for support, who cancels again once Hublify answers, stops the
   * relay with --stop-tracking, or sends `retry` (a new attempt, which Hublify's duplicate check ties to ours).
   */
  private cancelNotDoneUnasked(described: string): 'go-on' {
    const text = texts.cancelNotDoneUnaskedText(this.externalId, described);
    this.cancelOutcome = { outcome: 'unknown-in-hublify', hublifyOrderId: null, message: text };
    this.cancelRequest = undefined;
    this.heldByUnaskedCancel = texts.heldByUnaskedCancelText(text);
    return 'go-on';
  }

  /** After a cancel that changed nothing because Hublify could not be asked: NEEDS_ATTENTION until support acts. */
  private async waitAfterUnaskedCancel(): Promise<void> {
    const reason = this.heldByUnaskedCancel;
    if (reason === undefined) return;
    await this.waitForSupport(
      reason,
      `cancel not done: Hublify could not be asked (HublifyUnavailable) · order ${this.input.order.order_number}`,
      'HublifyUnavailable',
    );
    this.heldByUnaskedCancel = undefined;
  }

  /**
   * Ended while Hublify could not be asked whether it holds the order: since patch
   * cancel-unasked-changes-nothing only by `--stop-tracking` (`stopped-unasked`), before it by any cancel
   * (`cancelled`); either way the answer says Hublify could not be asked.
   */
  private async endUnasked(reason: string, described: string, stopped: boolean): Promise<void> {
    const text = (stopped ? texts.stoppedUnaskedText : texts.cancelledUnaskedText)(this.externalId, described);
    await this.book.enter(
      'CANCELLED',
      `${reason}; ${text}`,
      stopped
        ? 'relay stopped tracking by support (Hublify could not be asked whether it holds the order)'
        : 'cancelled by support (Hublify could not be asked whether it holds the order)',
    );
    this.cancelOutcome = { outcome: stopped ? 'stopped-unasked' : 'cancelled', hublifyOrderId: null, message: text };
  }

  private async stopTracking(ref: HublifyRef, reasonText: string): Promise<void> {
    this.status.hublifyStillLive = true;
    const reason = this.book.supportText(` (${reasonText})`, " (reason in the order's status)");
    await this.book.enter(
      'CANCELLED',
      texts.stoppedTrackingDetail(ref, reason.detail),
      texts.stoppedTrackingDetail(ref, reason.publicDetail),
    );
    this.cancelOutcome = {
      outcome: 'stopped-tracking',
      hublifyOrderId: ref.orderId,
      message: texts.stoppedTrackingText(ref),
    };
  }

  private async cancelBeforeHublify(reason: string): Promise<void> {
    const unsure = this.status.lastError?.startsWith('could not ask Hublify')
      ? `; ${this.status.lastError}: check Hublify for ${this.externalId}`
      : '';
    await this.book.enter(
      'CANCELLED',
      `${reason}${unsure}`,
      `cancelled by support${unsure ? ' (Hublify could not be asked)' : ''}`,
    );
    this.cancelOutcome = {
      outcome: 'cancelled',
      hublifyOrderId: null,
      message: `cancelled; Hublify never had the order${unsure}`,
    };
  }
}
