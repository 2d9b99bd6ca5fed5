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
}

/** What a run hands the next one on continue-as-new: everything the status shows, plus the tracking clock. */
export interface CarriedState {
  status: OrderStatus;
  request: HublifyOrderCreateRequest;
  trackingStartedAt: string;
  pollIndex: number;
}

export interface OrderWorkflowInput {
  order: ApicbaseOrder;
  source: OrderSource;
  settings: OrderWorkflowSettings;
  carried?: CarriedState;
}

/** The early answer the webhook waits for in `verified` ack mode. */
export interface OrderVerdict {
  workflowId: string;
  accepted: boolean;
  stage: OrderStage;
  reasons: string[];
}

/** A correction from support. Order fields are Hublify's (addresses, comment); items replace the list. */
export interface AmendRequest {
  order?: Record<string, string | null>;
  orderitems?: HublifyOrderCreateRequest['fields']['order']['orderitems'];
  note?: string;
}

export interface AmendResult {
  /** `reinjected` when the order was not yet in Hublify; `updated` when order_update ran. */
  outcome: 'reinjected' | 'updated';
  updated: string[];
  refused: string[];
  messages: string[];
}
