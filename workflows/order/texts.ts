// What support and customers read: the order workflow's fixed texts (no SDK import).
import type { HublifyRef } from '../order-status';

export function injectFailureTitle(type: string, retryForMs: number): string {
  switch (type) {
    case 'HublifyRejected':
      return 'Hublify rejected the order';
    case 'HublifyAuthRefused':
      return 'Hublify refused the channel token';
    case 'HublifyOrderNumberTaken':
      return 'another order holds this number in Hublify';
    default:
      return `Hublify could not be reached for ${Math.round(retryForMs / 1000)}s`;
  }
}

export function injectFailureText(type: string, described: string, retryForMs: number): string {
  return `${injectFailureTitle(type, retryForMs)}: ${described}`;
}

/** The cancel update's refusal while Hublify holds the order. */
export function cancelRefusedText(orderId: string): string {
  return (
    `Hublify holds this order as ${orderId}, and its channel API cannot cancel orders: cancel it in Hublify, ` +
    `and order-relay follows Hublify's cancelled state by itself (or stop only the relay's tracking with --stop-tracking)`
  );
}

export const inHublifyAfterAllText = (ref: HublifyRef): string =>
  `Hublify had the order after all (${ref.orderId}): nothing was cancelled and order-relay goes on tracking it; cancel it in Hublify`;

export const stoppedTrackingText = (ref: HublifyRef): string =>
  `order-relay stopped tracking; the Hublify order ${ref.orderId} is still live: cancel it in Hublify`;

/** The stage detail of a stop-tracking cancel; `reason` is the reason or its mention. */
export const stoppedTrackingDetail = (ref: HublifyRef, reason: string): string =>
  `relay stopped tracking${reason}; the Hublify order ${ref.orderId} is STILL LIVE: cancel it in Hublify`;

export const amendReceivedDetail = (fields: string[], note: string): string =>
  `amendment of ${fields.join(', ')} received${note}; sent with the next injection attempt`;

export const amendedInHublifyDetail = (updated: string[], refused: string[], note: string): string =>
  `amended in Hublify: updated ${updated.join(', ') || 'nothing'}; refused ${refused.join(', ') || 'nothing'}${note}`;

export const amendPendingText = (lastError: string | null, fields: string[]): string =>
  `Hublify has not taken the order yet (${lastError ?? 'injection under way'}); its next injection attempt sends ${fields.join(', ')}`;

/** The attempt that carried an amendment failed: Hublify holds nothing, the corrected request is kept for the next one. */
export const amendKeptAfterFailedAttemptText = (lastError: string | null, fields: string[]): string =>
  `the injection attempt that carried ${fields.join(', ')} failed (${lastError ?? 'no reason recorded'}); Hublify has not ` +
  `taken the order, and its next injection attempt sends ${fields.join(', ')} (send \`retry\` once the cause is fixed)`;

/** The ending of a detail for corrections made while the order was on its way in. */
export const CORRECTIONS_DURING_INJECTION = ' (corrections made during the injection)';

/** Hublify's order_get answered for another order, or for none. */
export function notFoundText(
  ref: HublifyRef,
  externalId: string,
  data: { orderid: string; o_orderid_external?: string | null } | null,
): string {
  return data
    ? `Hublify answered order_get for ${ref.orderId} with another order (${data.orderid} / ${data.o_orderid_external ?? '?'}); still tracking`
    : `Hublify does not know order ${ref.orderId} (${externalId}) any more (Order not found); still tracking`;
}

/** The look-up after an attempt an amendment stopped got no answer: Hublify may or may not hold the order. */
export const stoppedAttemptUnknownText = (externalId: string, described: string): string =>
  `could not ask Hublify whether the stopped attempt created order ${externalId} (an amendment stopped it): ${described}; ` +
  'send retry when Hublify answers again: the next attempt sends the amended order';

/** The stage detail when order_create met Hublify's order under our number and it is ours. */
export const duplicateAdoptedDetail = (orderId: string, byIdentity: boolean): string =>
  byIdentity
    ? `already in Hublify as ${orderId} (our external id and person; differing corrections follow by order_update)`
    : `already in Hublify as ${orderId} (its person and items match)`;

/** A cancel's answer when Hublify could not be asked whether it holds the order (never "never had"). */
export const cancelledUnaskedText = (externalId: string, described: string): string =>
  `cancelled in order-relay; Hublify could not be asked whether it holds order ${externalId} (${described}): ` +
  `check Hublify for ${externalId} and cancel it there if it is there`;

export const cancelNotDoneUnaskedText = (externalId: string, described: string): string =>
  `NOT cancelled: Hublify could not be asked whether it holds order ${externalId} (${described}), and an attempt ` +
  `may have created it there`;

/** What the order waits on after such a cancel (its last error): what support can do next. */
export const heldByUnaskedCancelText = (notDone: string): string =>
  `${notDone}: cancel again once Hublify answers, cancel --stop-tracking to stop the relay anyway, or retry to send the order again`;

export const stoppedUnaskedText = (externalId: string, described: string): string =>
  `order-relay stopped tracking; Hublify could not be asked whether it holds order ${externalId} (${described}): ` +
  `check Hublify for ${externalId} and cancel it there if it is there`;
