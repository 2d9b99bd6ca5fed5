// Issue 13's targets, each order-relay figure as a ratio to the engine's floor measured in the same run;
// issue 25's parked-order targets, each as a ratio to its ceiling.
import type { FloorRun } from './floors';
import type { ParkResult } from './park';
import type { WebhookRun } from './webhook-runs';

export interface Target {
  name: string;
  /** order-relay's figure and the floor it is compared with. */
  value: number;
  floor: number;
  unit: string;
  ratio: number;
  /** The ratio must be at most (`max`) or at least (`min`) this. */
  limit: { max: number } | { min: number };
  met: boolean;
}

const ratio = (value: number, floor: number) => (floor > 0 ? Math.round((value / floor) * 100) / 100 : Number.NaN);

function target(name: string, value: number, floor: number, unit: string, limit: Target['limit']): Target {
  const r = ratio(value, floor);
  return { name, value, floor, unit, ratio: r, limit, met: 'max' in limit ? r <= limit.max : r >= limit.min };
}

export function speedTargets(floors: FloorRun[], runs: WebhookRun[], maxSenders: number): Target[] {
  const floor = (kind: FloorRun['floor'], senders: number) =>
    floors.find((f) => f.floor === kind && f.senders === senders);
  const run = (mode: WebhookRun['ackMode'], senders: number) =>
    runs.find((r) => r.ackMode === mode && r.senders === senders);
  const out: Target[] = [];
  const c1 = floor('updateWithStart', 1);
  const v1 = run('verified', 1);
  if (c1 && v1)
    out.push(
      target('verified ack p50 at 1 sender ≤ 1.3 × floor (c)', v1.load.latencyMs.p50, c1.load.latencyMs.p50, 'ms', {
        max: 1.3,
      }),
    );
  const cN = floor('updateWithStart', maxSenders);
  const vN = run('verified', maxSenders);
  if (cN && vN)
    out.push(
      target(
        `verified ack throughput at ${maxSenders} senders ≥ 0.7 × floor (c)`,
        vN.load.okPerSecond,
        cN.load.okPerSecond,
        'orders/s',
        { min: 0.7 },
      ),
    );
  const bN = floor('start', maxSenders);
  const aN = run('accepted', maxSenders);
  if (bN && aN)
    out.push(
      target(
        `accepted intake at ${maxSenders} senders ≥ 0.8 × floor (b)`,
        aN.load.okPerSecond,
        bN.load.okPerSecond,
        'orders/s',
        { min: 0.8 },
      ),
    );
  const dN = floor('inject', maxSenders);
  if (dN?.ordersPerSecondIntoHublify && aN) {
    out.push(
      target(
        `end to end into Hublify at ${maxSenders} senders ≥ 0.7 × floor (d)`,
        aN.ordersPerSecondIntoHublify,
        dN.ordersPerSecondIntoHublify,
        'orders/s',
        { min: 0.7 },
      ),
    );
  }
  return out;
}

/** A figure that must stay at or under a ceiling; the ratio is figure / ceiling. */
function ceilingTarget(name: string, value: number, ceiling: number, unit: string, strictly = false): Target {
  const r = ratio(value, ceiling);
  return {
    name,
    value,
    floor: ceiling,
    unit,
    ratio: r,
    limit: { max: 1 },
    met: strictly ? value < ceiling : value <= ceiling,
  };
}

export function rssTarget(rssMb: number): Target {
  return ceilingTarget('worker RSS with the parked orders < 512 MB', rssMb, 512, 'MB', true);
}

/** Issue 25's targets for parked orders (tracking at constant cost). */
export function parkTargets(p: ParkResult): Target[] {
  const s = p.sweep;
  const out = [rssTarget(p.worker.rssMb)];
  out.push(
    ceilingTarget(
      `Hublify calls while parked ≤ 2/min + the safety net's ${s.safetyNetCallsPerMinute}/min`,
      s.hublifyCalls.perMinute,
      2 + s.safetyNetCallsPerMinute,
      'calls/min',
    ),
  );
  if (s.shipmentLatency) {
    out.push(
      ceilingTarget(
        `shipment → SHIPPED without push, p99 ≤ sweep interval + 30 s`,
        s.shipmentLatency.p99Seconds,
        s.intervalMs / 1000 + 30,
        's',
      ),
    );
  }
  out.push(
    ceilingTarget(
      'Temporal actions per waiting order per later day ≤ 6 (polls + its share of the sweeps)',
      s.actionsPerOrderLaterDay,
      6,
      'actions',
    ),
  );
  return out;
}
