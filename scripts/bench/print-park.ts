// The park mode's human-readable output.
import type { ParkResult } from './park';
import type { Target } from './targets';

export function printPark(out: { park: ParkResult; targets: Target[]; machine: string }): string {
  const p = out.park;
  const d = p.delivery;
  const a = p.actions;
  return [
    `machine: ${out.machine}`,
    `${p.orders} orders parked in WAITING_FOR_SHIPMENT on one worker process (${p.startsPerSecond} starts/s; all waiting after ${p.parkedAfterSeconds} s)`,
    `  ${d.started} started, ${d.orderCreateCalls} order_create received, ${d.lost} lost, ${d.duplicated} duplicated${d.ok ? '' : '  ← FAILED'}`,
    `worker: RSS ${p.worker.rssMb} MB (peak ${p.worker.peakRssMb} MB; ${p.worker.rssMbBeforeOrders} MB before any order; sticky cache ${p.worker.maxCachedWorkflows}${Object.entries(
      p.worker.extraEnv,
    )
      .map(([k, v]) => `; ${k}=${v}`)
      .join('')}), idle CPU ${p.worker.idleCpuPercent}% of a core over ${p.idleSeconds} s`,
    `  of it the main thread's V8 heap: ${p.worker.v8.heapUsedMb} MB used of ${p.worker.v8.heapTotalMb} MB, ${p.worker.v8.externalMb} MB external (the workflow thread's heap and native memory are the rest)`,
    p.wake
      ? `  ${p.wake.woken} parked orders woken (pollNow, spread over all): worker CPU ${p.wake.cpuMsPerWake} ms per wake; RSS afterwards ${p.wake.rssMbAfter} MB`
      : '  wake cost not measured (--wake-sample 0)',
    `Temporal dev server: RSS ${p.temporalServer.rssMb} MB, idle CPU ${p.temporalServer.idleCpuPercent}% of a core`,
    `Temporal actions per order (poll schedule ${p.pollSchedule}): ${a.untilWaiting} until waiting; ${a.perPoll} per poll; ${a.perPush ?? '?'} per Hublify push`,
    `  first day ${a.pollsFirstDay} polls = ${a.perOrderFirstDay} actions; each later day ${a.pollsLaterDay} polls = ${a.perOrderLaterDay} actions (${a.allOrdersLaterDay} a day for all ${p.orders})`,
    `Hublify sweep every ${p.sweep.intervalMs / 1000} s (no push): ${p.sweep.hublifyCalls.perMinute} Hublify calls/min while parked (${
      Object.entries(p.sweep.hublifyCalls.byVerb)
        .map(([v, n]) => `${n} ${v}`)
        .join(', ') || 'none'
    } in ${p.sweep.hublifyCalls.seconds} s; the safety net's share at this size ${p.sweep.safetyNetCallsPerMinute}/min)`,
    `  before that, while the ${p.orders} new orders were within the sweep's window (${p.sweep.burstCalls.seconds} s): ${p.sweep.burstCalls.perMinute} calls/min (${
      Object.entries(p.sweep.burstCalls.byVerb)
        .map(([v, n]) => `${n} ${v}`)
        .join(', ') || 'none'
    }; over HUBLIFY_LIST_LIMIT rows, so asked per end state)`,
    `  ${p.sweep.actionsPerSweep ?? '?'} actions per sweep; per waiting order per later day ${p.sweep.actionsPerOrderLaterDay} actions (polls ${a.perOrderLaterDay} + its share of the sweeps)`,
    p.sweep.shipmentLatency
      ? `  shipment in Hublify → SHIPPED in the relay, ${p.sweep.shipmentLatency.samples} orders: p50 ${p.sweep.shipmentLatency.p50Seconds} s, p99 ${p.sweep.shipmentLatency.p99Seconds} s, max ${p.sweep.shipmentLatency.maxSeconds} s`
      : '  shipment latency not measured (sweep off or --ship-sample 0)',
    ...out.targets.map(
      (t) => `  ${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.value} ${t.unit} (${t.ratio} × the target)`,
    ),
    '',
  ].join('\n');
}
