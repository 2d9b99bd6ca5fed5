// The bench's human-readable output: floors beside order-relay's figures, ratios against the targets.
import type { FloorRun } from './floors';
import type { Target } from './targets';
import type { WebhookRun } from './webhook-runs';

const FLOOR_LABEL: Record<FloorRun['floor'], string> = {
  http: '(a) bare express 200',
  start: '(b) bare workflow.start',
  updateWithStart: '(c) update-with-start, 1 local activity',
  inject: '(d) 1 local + order_create remote activity',
};

const lat = (l: { p50: number; p90: number; p99: number }) => `${l.p50} / ${l.p90} / ${l.p99}`;
const check = (d?: { ok: boolean; started: number; orderCreateCalls: number; lost: number; duplicated: number }) =>
  d
    ? `${d.started} started, ${d.orderCreateCalls} order_create received, ${d.lost} lost, ${d.duplicated} duplicated${d.ok ? '' : '  ← FAILED'}`
    : '';

export function printSpeed(out: {
  floors: FloorRun[];
  runs: WebhookRun[];
  targets: Target[];
  machine: string;
  settings?: { pacedPerSecond?: number };
}): string {
  const paced = out.settings?.pacedPerSecond;
  const lines: string[] = [
    `machine: ${out.machine}`,
    ...(paced ? [`paced: ${paced} requests a second in all (open loop), not each sender at once again`] : []),
    '',
    'floor (engine only)                          senders  2xx/s   p50 / p90 / p99 ms   into Hublify/s',
  ];
  for (const f of out.floors) {
    lines.push(
      `${FLOOR_LABEL[f.floor].padEnd(45)}${String(f.senders).padStart(7)}${String(f.load.okPerSecond).padStart(7)}   ${lat(f.load.latencyMs).padEnd(21)}${f.ordersPerSecondIntoHublify ?? ''}`,
    );
    if (f.delivery) lines.push(`    ${check(f.delivery)}`);
  }
  lines.push(
    '',
    'order-relay webhook                          senders  2xx/s   p50 / p90 / p99 ms   into Hublify/s  drain s',
  );
  for (const r of out.runs) {
    lines.push(
      `${`${r.ackMode} ack`.padEnd(45)}${String(r.senders).padStart(7)}${String(r.load.okPerSecond).padStart(7)}   ${lat(r.load.latencyMs).padEnd(21)}${String(r.ordersPerSecondIntoHublify).padEnd(16)}${r.drainSeconds}`,
    );
    lines.push(
      `    ${check(r.delivery)}${r.load.non2xx || r.load.errors ? `; ${r.load.non2xx} non-2xx, ${r.load.errors} errors` : ''}`,
    );
  }
  lines.push('', 'targets (order-relay ÷ floor)');
  for (const t of out.targets) {
    const limit = 'max' in t.limit ? `≤ ${t.limit.max}` : `≥ ${t.limit.min}`;
    lines.push(`  ${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.value} / ${t.floor} ${t.unit} = ${t.ratio} (${limit})`);
  }
  return `${lines.join('\n')}\n`;
}
