// The order workflow's state as operators and callers see it (the `status` query), and its input.
// Types only, shared by the workflow, the activities, the HTTP API and the CLI.
import type { ApicbaseOrder } from '../src/apicbase/order';
import type { HublifyOrderCreateRequest } from '../src/hublify/types';
import type { PollStep } from './poll-schedule';

export const ORDER_STAGES = [
  'RECEIVED',
  'VERIFIED',
  'INJECTED',
  'WAITING_FOR_SHIPMENT',
  'NEEDS_ATTENTION',
  'OVERDUE',
  'SHIPPED',
  'REJECTED',
  'CANCELLED',
  'TIMED_OUT',
] as const;
export type OrderStage = (typeof ORDER_STAGES)[number];
export const FINAL_STAGES: readonly OrderStage[] = ['SHIPPED', 'REJECTED', 'CANCELLED', 'TIMED_OUT'];

export interface StageChange {
  stage: OrderStage;
  at: string;
  detail?: string;
}

export interface Shipment {
  carrierLabel: string | null;
  carrierName: string | null;
  trackingCode: string;
  traceUrl: string | null;
  sentAt: string | null;
}

export interface HublifyRef {
  orderId: string;
  personId: string | null;
  state: string;
  stateName: string | null;
}

export interface OrderStatus {
  workflowId: string;
  apicbaseId: string;
  orderNumber: string;
  customerNumber: string;
  source: OrderSource;
  stage: OrderStage;
  overdue: boolean;
  hublify: HublifyRef | null;
  shipments: Shipment[];
  attempts: { inject: number; polls: number };
  lastError: string | null;
  rejectionReasons: string[];
  unknownStates: string[];
  cancelReason: string | null;
  /**
   * True when support stopped the relay's tracking (`--stop-tracking`, or Temporal's own cancel) while
   * Hublify still holds the order: the workflow ended CANCELLED, the Hublify order is still live.
   */
  hublifyStillLive?: boolean;
  /** Stages support was notified of (NOTIFY_WEBHOOK_URL): once per order and stage. */
  notified?: OrderStage[];
  /**
   * Support's corrections Hublify does not hold (order_update refused them, or could not send them): the
   * order is NEEDS_ATTENTION while any is open; `retry` sends them again (workflows/order/open-corrections.ts).
   */
  corrections?: OpenCorrections;
  /** The customer was e-mailed that this (pulled) order cannot be fulfilled. */
  customerTold?: boolean;
  history: StageChange[];
}

export type OrderSource = 'webhook' | 'pull' | 'support';

export interface OrderWorkflowSettings {
  /** The Hublify client's per-call timeout; activity timeouts are derived from it. */
  hublifyTimeoutMs: number;
  injectRetry: { initialIntervalMs: number; maximumIntervalMs: number; retryForMs: number };
  pollSchedule: PollStep[];
  finalStates: string[];
  cancelledStates: string[];
  overdueGraceMs: number;
  hardLimitMs: number;
  /** Polls per run before continue-as-new, so the history stays bounded. */
  pollsPerRun: number;
  /** When set, an injected order is marked viewed_by_supplier in Apicbase by an activity on this task queue. */
  apicbaseViewed?: { taskQueue: string };
  /** How long an amendment waits for an injection in flight before answering `pending` (default 20 s). */
  amendWaitMs?: number;
  /** Notify support (NOTIFY_WEBHOOK_URL is set): the `notifySupport` activity. */
  notifySupport?: boolean;
  /** E-mail the customer about a pulled order that cannot be fulfilled (SMTP_URL is set): `emailCustomer`. */
  emailCustomer?: boolean;
}

/** What a run hands the next one on continue-as-new: everything the status shows, plus the tracking clock. */
export interface CarriedState {
  status: OrderStatus;
  request: HublifyOrderCreateRequest;
  trackingStartedAt: string;
  pollIndex: number;
  /** A push or pollNow the run had not acted on when it continued as new: the next run polls at once (issue 22.4). */
  pollRequested?: boolean;
}

export interface OrderWorkflowInput {
  order: ApicbaseOrder;
  source: OrderSource;
  settings: OrderWorkflowSettings;
  carried?: CarriedState;
}

/** What the webhook asks in `verified` ack mode: the verdict, by the instant its caller stops waiting. */
export interface VerdictRequest {
  /** Epoch ms (the caller's clock) after which the caller answers 202 without a verdict. */
  answerBy?: number;
}

/** The early answer the webhook waits for in `verified` ack mode. */
export interface OrderVerdict {
  workflowId: string;
  accepted: boolean;
  stage: OrderStage;
  reasons: string[];
  /**
   * True when no verdict was reached by the request's `answerBy`: the caller answers 202, and a later
   * rejection goes to NEEDS_ATTENTION (the customer never saw a 422).
   */
  pending?: boolean;
}

/** Support's cancel (`orders cancel`, `POST /admin/orders/:ref/cancel`). */
export interface CancelRequest {
  reason: string;
  /**
   * Stop the relay only, although Hublify holds the order (it has no cancel verb): the order then
   * ends CANCELLED with `hublifyStillLive`, and the Hublify order must be cancelled in Hublify.
   */
  stopTracking?: boolean;
}

export interface CancelResult {
  /**
   * `cancelled`: Hublify never had the order; the workflow ended CANCELLED.
   * `stopped-tracking`: the relay stopped; the Hublify order `hublifyOrderId` is still live.
   * `in-hublify`: an injection in flight had created the order after all; nothing was cancelled and the
   * relay goes on tracking it; cancel it in Hublify.
   * `unknown-in-hublify`: Hublify could not be asked whether it holds the order (an attempt may have created
   * it): nothing was cancelled; the order waits for support in NEEDS_ATTENTION.
   * `stopped-unasked`: `stopTracking`, and Hublify could not be asked: the relay stopped, and whether Hublify
   * holds a live order is not known.
   */
  outcome: 'cancelled' | 'stopped-tracking' | 'in-hublify' | 'unknown-in-hublify' | 'stopped-unasked';
  hublifyOrderId: string | null;
  message: string;
}

/** The update-validator failure type when cancel is refused because Hublify holds the order. */
export const CANCEL_REFUSED_IN_HUBLIFY = 'OrderInHublify';

/** A durable notice to support (NOTIFY_WEBHOOK_URL): ids, stage and failure type only, never names or texts. */
export interface SupportNotice {
  workflowId: string;
  orderNumber: string;
  customerNumber: string;
  stage: OrderStage;
  /** e.g. HublifyRejected, HublifyUnavailable, OrderRejected, OrderNotFoundInHublify; null when none. */
  failureType: string | null;
  /** True for an order rejected after its 2xx answer (the customer was not shown a 422). */
  rejectedAfterAck?: boolean;
}

/** The notices' activities (activities/notify-support.ts, activities/email-customer.ts), as the workflow calls them. */
export interface NoticeActivities {
  notifySupport(notice: SupportNotice): Promise<void>;
  emailCustomer(notice: CustomerNotice): Promise<void>;
}

/** The customer is told that a pulled order cannot be fulfilled (Apicbase's guide: "communicated directly"). */
export interface CustomerNotice {
  workflowId: string;
  apicbaseId: string;
  orderNumber: string;
  customerNumber: string;
  reasons: string[];
}

/** A correction from support. Order fields are Hublify's (addresses, comment); items replace the list. */
export interface AmendRequest {
  order?: Record<string, string | null>;
  orderitems?: HublifyOrderCreateRequest['fields']['order']['orderitems'];
  /** Recorded in the stage history beside the amendment. */
  note?: string;
}

/** Corrections Hublify does not hold: the fields, their latest values, and why. */
export interface OpenCorrections {
  fields: string[];
  /** What `retry` sends by order_update. */
  update: AmendRequest;
  /** `refused`: Hublify answered no; `not-sent`: order_update could not reach it. */
  state: 'refused' | 'not-sent';
  /** Hublify's answer or the failure (may quote an address: status only, never the store). */
  why: string;
}

export interface AmendResult {
  /**
   * `reinjected`: Hublify did not have the order; it was injected with the corrections.
   * `updated`: order_update ran (Hublify had the order, or an in-flight injection created it with the old values).
   * `refused`: Hublify refused every corrected field (or the injection failed); it holds none of them.
   * `pending`: the injection is still retrying past the amend's bounded wait; `pendingFields` lists what its next
   * attempt sends (answered 202 by the admin API).
   */
  outcome: 'reinjected' | 'updated' | 'refused' | 'pending';
  /** Fields Hublify now holds with the corrected values. */
  updated: string[];
  /** Fields Hublify refused: it keeps its old values. */
  refused: string[];
  /** Fields not yet in Hublify: they go with the injection's next attempt. */
  pendingFields: string[];
  /** Hublify's order id when it has the order. */
  hublifyOrderId: string | null;
  messages: string[];
}
