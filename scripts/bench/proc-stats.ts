// A process's resident memory and CPU time, read from Linux's /proc (the bench runs where the parts run).
import { readFileSync } from 'node:fs';
import { metricValues } from '../../test/helpers/prometheus-text';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Resident memory now and at its peak, in MB. */
export function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at ") ": utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Average CPU use of each process over `seconds` of doing nothing else, in percent of one core. */
export async function idleCpuPercent(pids: number[], seconds: number): Promise<number[]> {
  const before = pids.map(cpuSecondsOf);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return pids.map((pid, i) => Math.round(((cpuSecondsOf(pid) - before[i]!) / seconds) * 1000) / 10);
}

/**
 * The main thread's V8 heap (used and total) and the memory V8 holds outside it (Buffers), in MB,
 * from a process's Prometheus endpoint (src/observability/process-metrics.ts). The workflow sandbox
 * runs in a worker thread with a heap of its own, which these do not count.
 */
export async function v8HeapOf(
  metricsUrl: string,
): Promise<{ heapUsedMb: number; heapTotalMb: number; externalMb: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const mb = (name: string) => {
    const [value] = metricValues(text, `order_relay_${name}`);
    if (value === undefined) throw new Error(`${metricsUrl} has no order_relay_${name}`);
    return Math.round(value / 2 ** 20);
  };
  return {
    heapUsedMb: mb('nodejs_heap_size_used_bytes'),
    heapTotalMb: mb('nodejs_heap_size_total_bytes'),
    externalMb: mb('nodejs_external_memory_bytes'),
  };
}
