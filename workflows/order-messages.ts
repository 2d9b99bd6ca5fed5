// The order workflow's messages, defined once: the workflow sets handlers for these, and the HTTP API,
// the CLI and the tests use the same definitions to call it.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { HublifyOrderCreateRequest, HublifyOrderData } from '../src/hublify/types';
import type {
  AmendRequest,
  AmendResult,
  CancelRequest,
  CancelResult,
  OrderStatus,
  OrderVerdict,
  VerdictRequest,
} from './order-status';

/** Everything known about the order: stage, ids, shipments, attempts, last error, stage history. */
export const statusQuery = defineQuery<OrderStatus>('status');

/** The order_create request as Hublify holds it (amendments included), or null before the order is mapped. */
export const requestQuery = defineQuery<HublifyOrderCreateRequest | null>('request');

/** Poll Hublify now instead of at the next scheduled time. */
export const pollNowSignal = defineSignal('pollNow');

/**
 * Hublify says the order changed. From Hublify's push: its state only, so the workflow polls order_get now.
 * From the sweep: also `order`, what order_getList said (ids, state, shipments), which the workflow takes
 * in place of an order_get (patch `sweep-data-spares-order-get`, workflows/order/told.ts).
 */
export interface StatusChangedArg {
  state?: string;
  order?: HublifyOrderData;
}
export const statusChangedSignal = defineSignal<[StatusChangedArg?]>('statusChanged');

/** Support fixed something outside (catalogue, Hublify outage): try the stuck step again. */
export const retrySignal = defineSignal<[{ note?: string }?]>('retry');

/**
 * Why support is cancelling; sent just before Temporal's own cancel (which carries no reason).
 * Kept for runs started before the `cancel` update; callers use `cancelUpdate`.
 */
export const cancelReasonSignal = defineSignal<[string]>('cancelReason');

/**
 * Support cancels the order. Its validator refuses (failure type CANCEL_REFUSED_IN_HUBLIFY) when Hublify
 * holds the order, unless `stopTracking`; an injection in flight is let finish first, then Hublify is asked.
 */
export const cancelUpdate = defineUpdate<CancelResult, [CancelRequest]>('cancel');

/** Waits until the order is verified and mapped (or rejected), at most `waitMs`: the webhook's `verified` ack mode. */
export const verdictUpdate = defineUpdate<OrderVerdict, [VerdictRequest?]>('verdict');

/**
 * The webhook answers the customer with the rejection the verdict gave it (the 422): sent once it has
 * the rejected verdict in time, before the answer goes out. Only then does the run end REJECTED; a
 * rejection answered to a caller that had already given up (202) waits for support (issue 22.7).
 */
export const rejectionShownSignal = defineSignal('rejectionShown');

/** Corrects address or items: re-injects when not yet in Hublify, otherwise runs order_update. */
export const amendUpdate = defineUpdate<AmendResult, [AmendRequest]>('amend');
