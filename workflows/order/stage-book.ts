// The order's status and its stage changes: the record (a local activity), the search attribute, the Web
// UI's details, and the side steps that never hold the order up (notify support, e-mail the customer,
// mark viewed in Apicbase). The pure parts (newStatus, stageRecord, currentDetails) are unit-tested.
import {
  CancellationScope,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ApicbaseActivities } from '../../activities/apicbase-activities';
import type { StageChangeInput } from '../../activities/record-tracking';
import { describeFailure } from '../failures';
import {
  FINAL_STAGES,
  type NoticeActivities,
  type OrderStage,
  type OrderStatus,
  type OrderWorkflowInput,
} from '../order-status';
import { OrderStage as OrderStageKey } from '../search-attributes';
import * as options from './activity-options';
import type { PatchAtStart, RunPatches } from './patches';

/** Patch: support's free text (notes, a cancel reason) stays out of the record store and logs. */
export const SUPPORT_TEXT_OUT_OF_STORE = 'support-text-out-of-store';
/**
 * Patch (issue 22.6): a stage the status notes is recorded in the store even when a cancel has reached
 * the scope (the record is written outside it, then the cancel goes on), so store and status agree.
 */
export const STAGE_RECORDED_DESPITE_CANCEL = 'stage-recorded-despite-cancel' satisfies PatchAtStart;

/**
 * Patch (issue 22 I8): a final stage is recorded by a (remote) activity, not a local one. A final stage is
 * recorded in the workflow task that closes the run; when an event arrives during that task (an activity
 * result racing a cancel), Temporal refuses the close (UnhandledCommand) and the task runs again, taking
 * the path the new event sets — but a local activity had already written the first path's stage to the
 * store. A remote activity runs only once the task that schedules it is recorded, so the store never holds
 * a stage the run did not take.
 */
export const FINAL_STAGE_RECORDED_BY_ACTIVITY = 'final-stage-recorded-by-activity' satisfies PatchAtStart;

/** A stage detail with support's text, and the same without it (supportText). */
export interface SupportText {
  detail: string;
  publicDetail: string;
}

/** A fresh order's status: RECEIVED from its source, at the run's start. */
export function newStatus(input: OrderWorkflowInput, workflowId: string, startTime: Date): OrderStatus {
  const { order } = input;
  return {
    workflowId,
    apicbaseId: order.id,
    orderNumber: order.order_number,
    customerNumber: order.supplier_customer_number,
    source: input.source,
    stage: 'RECEIVED',
    overdue: false,
    hublify: null,
    shipments: [],
    attempts: { inject: 0, polls: 0 },
    lastError: null,
    rejectionReasons: [],
    unknownStates: [],
    cancelReason: null,
    history: [{ stage: 'RECEIVED', at: new Date(startTime).toISOString(), detail: `from ${input.source}` }],
  };
}

/** The stage change as the record store keeps it (built before the change: it names the stage left). */
export function stageRecord(
  status: OrderStatus,
  stage: OrderStage,
  at: string,
  publicDetail: string | undefined,
): StageChangeInput {
  return {
    workflowId: status.workflowId,
    apicbaseId: status.apicbaseId,
    orderNumber: status.orderNumber,
    customerNumber: status.customerNumber,
    stage,
    at,
    detail: publicDetail ?? null,
    hublifyOrderId: status.hublify?.orderId ?? null,
    hublifyState: status.hublify?.state ?? null,
    previousStage: status.stage,
    receivedAt: status.history[0]?.at ?? null,
    source: status.source,
  };
}

/** The Web UI's current details: stage, Hublify, shipments, and why support must act. */
export function currentDetails(status: OrderStatus): string {
  const h = status.hublify;
  const hub = h ? `Hublify ${h.orderId}: ${h.state}` : 'not in Hublify yet';
  const ships = status.shipments.length ? ` · ${status.shipments.length} shipment(s)` : '';
  const err = status.lastError && status.stage === 'NEEDS_ATTENTION' ? ` · ${status.lastError}` : '';
  // Support reads why an order was cancelled, and that Hublify may still ship it, at the top of its page.
  const live = status.hublifyStillLive ? ' · relay stopped tracking: the Hublify order is STILL LIVE' : '';
  const why = status.stage === 'CANCELLED' && status.cancelReason ? ` · reason: ${status.cancelReason}` : '';
  return `**${status.stage}**${status.overdue ? ' (overdue)' : ''} · ${hub}${ships}${err}${live}${why}`;
}

export class StageBook {
  /** Durable steps that must not hold the order up, awaited before the run ends or continues as new. */
  private readonly sideSteps: Promise<unknown>[] = [];
  /** Side steps started and not yet settled (they never reject: each catches its own failure). */
  private unsettled = 0;

  constructor(
    readonly status: OrderStatus,
    private readonly input: OrderWorkflowInput,
    private readonly recordStage: (record: StageChangeInput) => Promise<void>,
    private readonly patches: RunPatches = new Set(),
    private readonly recordFinalStage: (record: StageChangeInput) => Promise<void> = recordStage,
  ) {}

  /**
   * `detail` goes into the encrypted status; `publicDetail` (default: `detail`) into the record store
   * and logs, so it never carries Hublify's texts, which may quote an address.
   */
  async enter(stage: OrderStage, detail?: string, publicDetail: string | undefined = detail): Promise<void> {
    const at = new Date().toISOString();
    const record = this.record(stage, at, publicDetail);
    this.note(stage, at, detail);
    const final = FINAL_STAGES.includes(stage) && this.patches.has(FINAL_STAGE_RECORDED_BY_ACTIVITY);
    const recorder = final ? this.recordFinalStage : this.recordStage;
    if (!this.patches.has(STAGE_RECORDED_DESPITE_CANCEL)) return recorder(record);
    // Before this patch a cancelled scope skipped the record (the local activity is never scheduled
    // there) while the status kept the stage: the store then lacked it (an order_create let finish
    // after a cancel: INJECTED). The record is written; then the cancel goes on as it did.
    const scope = CancellationScope.current();
    await CancellationScope.nonCancellable(() => recorder(record));
    if (scope.consideredCancelled) await scope.cancelRequested;
  }

  record(stage: OrderStage, at: string, publicDetail: string | undefined): StageChangeInput {
    return stageRecord(this.status, stage, at, publicDetail);
  }

  /** The stage change in the workflow's own state: the status, its history, the search attribute, the UI's details. */
  note(stage: OrderStage, at: string, detail?: string): void {
    const previousStage = this.status.stage;
    this.status.stage = stage;
    this.status.history.push({ stage, at, ...(detail ? { detail } : {}) });
    if (stage !== previousStage) upsertSearchAttributes([{ key: OrderStageKey, value: stage }]);
    this.showDetails();
  }

  showDetails(): void {
    setCurrentDetails(currentDetails(this.status));
  }

  /**
   * Support's free text for the encrypted status (`detail`) and, in runs from this version on, only a
   * mention of it for the record store and logs (`publicDetail`): a note may name a person or a phone number.
   */
  supportText(detail: string, mention: string): SupportText {
    // eslint-disable-next-line no-restricted-syntax -- recorded where it is used before patches.ts; old histories hold its marker there
    return { detail, publicDetail: patched(SUPPORT_TEXT_OUT_OF_STORE) ? mention : detail };
  }

  /** A support note (retry, amend) as a stage detail's ending. */
  noteText(note: string | undefined): SupportText {
    return note ? this.supportText(` (note: ${note})`, ' (with a note)') : { detail: '', publicDetail: '' };
  }

  /** Tells support once per stage (NOTIFY_WEBHOOK_URL), as a durable step that never holds the order up. */
  notifySupport(stage: OrderStage, type: string | null, rejectedAfterAck = false): void {
    const { status } = this;
    if (!this.input.settings.notifySupport || status.notified?.includes(stage)) return;
    status.notified = [...(status.notified ?? []), stage];
    const notice = {
      workflowId: status.workflowId,
      orderNumber: status.orderNumber,
      customerNumber: status.customerNumber,
      stage,
      failureType: type,
      rejectedAfterAck,
    };
    this.addSideStep(
      proxyActivities<NoticeActivities>(options.NOTIFY)
        .notifySupport.executeWithOptions(
          { ...options.NOTIFY, summary: `notify support: ${status.orderNumber} ${stage}` },
          [notice],
        )
        .catch((err: unknown) => log.warn('could not notify support', { stage, error: describeFailure(err) })),
    );
  }

  /** Apicbase's guide: a pulled order rejected afterwards is communicated directly to the customer. */
  async tellCustomer(reasons: string[]): Promise<void> {
    const { status } = this;
    if (this.input.source === 'webhook' || !this.input.settings.emailCustomer || status.customerTold) return;
    status.customerTold = true;
    const notice = {
      workflowId: status.workflowId,
      apicbaseId: status.apicbaseId,
      orderNumber: status.orderNumber,
      customerNumber: status.customerNumber,
      reasons,
    };
    this.addSideStep(
      proxyActivities<NoticeActivities>(options.EMAIL)
        .emailCustomer.executeWithOptions(
          { ...options.EMAIL, summary: `e-mail the customer: ${status.orderNumber} cannot be fulfilled` },
          [notice],
        )
        .catch((err: unknown) => log.warn('could not e-mail the customer', { error: describeFailure(err) })),
    );
    await Promise.resolve();
  }

  /** Tells the customer in Apicbase the supplier saw the order (APICBASE_MARK_VIEWED), as a durable side step. */
  markViewedInApicbase(taskQueue: string): void {
    const { order } = this.input;
    const markOptions = options.markViewed(taskQueue);
    this.addSideStep(
      proxyActivities<ApicbaseActivities>(markOptions)
        .markApicbaseOrder.executeWithOptions(
          { ...markOptions, summary: `mark ${order.order_number} viewed_by_supplier in Apicbase` },
          [order.id, 'viewed'],
        )
        .catch((err: unknown) =>
          log.warn('could not mark the order viewed in Apicbase', { error: describeFailure(err) }),
        ),
    );
  }

  /** Waits for the side steps started so far. */
  async sideStepsDone(): Promise<void> {
    await Promise.all(this.sideSteps);
  }

  /** True while a side step started so far has not settled (tracking goes on meanwhile; issue 22.4). */
  sideStepsPending(): boolean {
    return this.unsettled > 0;
  }

  private addSideStep(step: Promise<unknown>): void {
    this.unsettled += 1;
    this.sideSteps.push(step.finally(() => (this.unsettled -= 1)));
  }
}
