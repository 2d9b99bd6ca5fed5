// order-relay's business metrics (prom-client): how many orders were received, accepted, rejected,
// injected, needed attention, went overdue, shipped (and were cancelled or timed out), and how long
// orders take from receipt to injection and to shipment. Counted by the `recordStage` activity, which
// sees every stage change of every order (activities/record-tracking.ts), so they live in the worker
// process and are served on its Prometheus endpoint and, when the process also runs the API, on /metrics.
import { Counter, Histogram, Registry } from 'prom-client';

/** One stage change as the recordStage activity sees it. */
export interface StageTransition {
  workflowId: string;
  stage: string;
  /** The stage before this change (absent from workflows recorded before it was passed). */
  previousStage?: string | null | undefined;
  /** When the stage was entered (ISO 8601). */
  at: string;
  /** When the order was received: the workflow's start (ISO 8601). */
  receivedAt?: string | null | undefined;
  source?: string | null | undefined;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Seconds: from a fast sandbox run (sub-second) to a month of waiting for shipment. */
const DURATION_BUCKETS = [
  1,
  5,
  15,
  30,
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  HOUR,
  4 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  4 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];

/** Stage → the counter it feeds when an order enters it. */
const STAGE_COUNTERS = {
  VERIFIED: 'accepted',
  REJECTED: 'rejected',
  INJECTED: 'injected',
  NEEDS_ATTENTION: 'needsAttention',
  OVERDUE: 'overdue',
  SHIPPED: 'shipped',
  CANCELLED: 'cancelled',
  TIMED_OUT: 'timedOut',
} as const;

export function createBusinessMetrics(registry = new Registry()) {
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `order_relay_orders_${name}_total`, help, labelNames, registers: [registry] });
  const counters = {
    received: counter(
      'received',
      'Orders received (counted when their workflow records its first stage after RECEIVED)',
      ['source'],
    ),
    accepted: counter('accepted', 'Orders verified and mapped (entered VERIFIED)'),
    rejected: counter('rejected', 'Orders rejected by verification (entered REJECTED)'),
    injected: counter('injected', 'Orders injected into Hublify (entered INJECTED)'),
    needsAttention: counter(
      'needs_attention',
      'Times an order entered NEEDS_ATTENTION (Hublify refused it, or was unreachable too long)',
    ),
    overdue: counter('overdue', 'Orders not shipped by their expected delivery date plus grace (entered OVERDUE)'),
    shipped: counter('shipped', 'Orders shipped (entered SHIPPED)'),
    cancelled: counter('cancelled', 'Orders cancelled, in Hublify or by support (entered CANCELLED)'),
    timedOut: counter('timed_out', 'Orders not shipped within TRACK_HARD_LIMIT_MS (entered TIMED_OUT)'),
  };
  const histogram = (name: string, help: string) =>
    new Histogram({
      name: `order_relay_order_${name}_seconds`,
      help,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
  const receiptToInjection = histogram(
    'receipt_to_injection',
    'Time from receiving an order to its injection into Hublify',
  );
  const receiptToShipment = histogram('receipt_to_shipment', 'Time from receiving an order to its shipment');

  // A retried recordStage (its completion lost after it counted) must not count twice: remember the
  // stage changes counted lately. Each is unique per workflow, stage and time.
  const seen = new Set<string>();
  const SEEN_MAX = 10_000;

  return {
    registry,
    counters,
    receiptToInjection,
    receiptToShipment,
    /** Counts one stage change; true when it was counted (false: a repeat, or not a change of stage). */
    recordTransition(t: StageTransition): boolean {
      const key = `${t.workflowId}\u0000${t.stage}\u0000${t.at}`;
      if (seen.has(key)) return false;
      seen.add(key);
      if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value!);
      // Re-entering the same stage (a new Hublify state, an amendment) is not a new event.
      if (t.previousStage && t.previousStage === t.stage) return false;
      if (t.previousStage === 'RECEIVED') counters.received.inc({ source: t.source ?? 'unknown' });
      const name = STAGE_COUNTERS[t.stage as keyof typeof STAGE_COUNTERS] as keyof typeof counters | undefined;
      if (name) counters[name].inc();
      const seconds = t.receivedAt ? (Date.parse(t.at) - Date.parse(t.receivedAt)) / 1000 : NaN;
      if (Number.isFinite(seconds) && seconds >= 0) {
        if (t.stage === 'INJECTED') receiptToInjection.observe(seconds);
        if (t.stage === 'SHIPPED') receiptToShipment.observe(seconds);
      }
      return true;
    },
  };
}

export type BusinessMetrics = ReturnType<typeof createBusinessMetrics>;
