// Many orders waiting for shipment on one worker: parks N orders in WAITING_FOR_SHIPMENT on a worker
// running in its own process (`src/main.ts`, ORDER_RELAY_ROLES=worker, default settings: poll schedule
// and Hublify sweep; the sandbox pushes nothing), then measures that process's memory and its CPU and
// the Hublify calls while the orders wait, the time from a shipment in Hublify to SHIPPED for a sample,
// and the Temporal actions a waiting order costs per day (read off the history of a probe order polled
// every 2 s and then woken by a Hublify push, and of a real sweep run).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { freeLoopbackPort } from '../../src/net/free-port';
import { orderWorkflowSettings } from '../../src/orders/order-settings';
import { parsePollSchedule } from '../../src/orders/poll-schedule-spec';
import { startOrder, type OrderStarterDeps } from '../../src/orders/start-order';
import { pollNowSignal, statusQuery } from '../../workflows/order-messages';
import { writeWorkflowBundle } from '../bundle-workflows';
import { pollDelayMs } from '../../workflows/poll-schedule';
import { pollsPerDay, trackingActions, type TrackingActions } from './actions';
import { pollUntil } from '../../src/poll-until';
import { countWorkflows, settledDeliveries, type DeliveryCheck } from './deliveries';
import { benchOrder } from './orders';
import { cpuSecondsOf, idleCpuPercent, memoryOf, v8HeapOf } from './proc-stats';
import { orderWorkflowId } from '../../src/apicbase/order';
import { BENCH_PUSH_TOKEN, type BenchRelay, type BenchSystem } from './system';
import {
  hublifyCallsBetween,
  shipmentLatency,
  sweepActionsPerRun,
  type HublifyCalls,
  type ShipmentLatency,
} from './sweep-figures';

export interface ParkResult {
  orders: number;
  pollSchedule: string;
  startsPerSecond: number;
  /** Seconds from the first start until every order was waiting for shipment. */
  parkedAfterSeconds: number;
  delivery: DeliveryCheck;
  worker: {
    rssMb: number;
    peakRssMb: number;
    rssMbBeforeOrders: number;
    /** The main thread's V8 heap and external memory at the end (not the workflow thread's). */
    v8: { heapUsedMb: number; heapTotalMb: number; externalMb: number };
    idleCpuPercent: number;
    maxCachedWorkflows: number;
    /** Variables given to the worker beyond the bench's (--worker-env). */
    extraEnv: Record<string, string>;
  };
  temporalServer: { rssMb: number; idleCpuPercent: number };
  idleSeconds: number;
  /** Waking parked orders (pollNow), spread over all of them: what the sticky cache saves or costs in replays. */
  wake?: WakeCost;
  /** The Hublify sweep (issue 25), on the worker's default settings; the sandbox pushes nothing. */
  sweep: {
    intervalMs: number;
    /** What the sandbox received while the orders waited (the idle window). */
    hublifyCalls: HublifyCalls;
    /** Before it: while the just-created orders were still within the sweep's window (overlap + interval). */
    burstCalls: HublifyCalls;
    /** The per-order polls' share: parked orders × polls per later day / 1440. */
    safetyNetCallsPerMinute: number;
    /** A sample shipped in Hublify after the idle window, at moments spread over one sweep interval. */
    shipmentLatency?: ShipmentLatency;
    /** Actions of one sweep run (its start included), read off its history. */
    actionsPerSweep?: number;
    /** Per waiting order per later day: its polls plus its share of the day's sweeps. */
    actionsPerOrderLaterDay: number;
  };
  actions: TrackingActions & {
    pollsFirstDay: number;
    pollsLaterDay: number;
    perOrderFirstDay: number;
    perOrderLaterDay: number;
    /** Per day for all the parked orders, after their first day. */
    allOrdersLaterDay: number;
  };
}

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const STARTERS = 32;

export async function runPark(
  system: BenchSystem,
  opts: {
    orders: number;
    idleSeconds: number;
    drainTimeoutMs: number;
    shipSample: number;
    /** Parked orders woken by pollNow after the idle window, to measure the worker's CPU per wake (0 = none). */
    wakeSample: number;
    workerExtraEnv?: Record<string, string>;
    progress: (line: string) => void;
  },
): Promise<ParkResult> {
  const taskQueue = `bench-park-${Date.now()}`;
  const defaults = loadConfig({});
  const settingsEnv = { TEMPORAL_TASK_QUEUE: taskQueue, TRACK_POLL_SCHEDULE: defaults.TRACK_POLL_SCHEDULE };
  const api = await system.startRelay({ ...settingsEnv, ORDER_RELAY_ROLES: 'api' });
  // As a production worker runs: the workflow code bundled beforehand (WORKFLOW_BUNDLE_PATH), so the
  // measured memory holds the parked orders, not webpack's leftovers from bundling at start.
  const bundleDir = mkdtempSync(path.join(tmpdir(), 'order-relay-park-'));
  const bundleFile = path.join(bundleDir, 'workflow-bundle.js');
  await writeWorkflowBundle(bundleFile);
  const metricsAddress = `127.0.0.1:${await freeLoopbackPort()}`;
  const workerEnv = system.relayEnv({
    ...settingsEnv,
    ORDER_RELAY_ROLES: 'worker',
    LOG_LEVEL: 'warn',
    WORKFLOW_BUNDLE_PATH: bundleFile,
    WORKER_METRICS_ADDRESS: metricsAddress,
    ...opts.workerExtraEnv,
  });
  const worker = spawnWorker(workerEnv);
  try {
    system.sandbox.reset();
    await pollUntil(async () => (await pollers(system, taskQueue)) > 0, {
      what: 'the worker process to poll its task queue',
      timeoutMs: 120_000,
      everyMs: 250,
    });
    const rssMbBeforeOrders = memoryOf(worker.pid!).rssMb;
    const starter: OrderStarterDeps = {
      client: api.relay.client,
      taskQueue,
      settings: () => orderWorkflowSettings(api.config),
      recordedStage: null,
    }; // new orders only: no record to ask

    const started = Date.now();
    const numbers: string[] = [];
    const parked: Array<{ id: string; orderNumber: string }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: STARTERS }, async () => {
        while (next < opts.orders) {
          const order = benchOrder('P', ++next);
          await startOrder(starter, order, 'webhook');
          numbers.push(order.order_number);
          parked.push({ id: order.id, orderNumber: order.order_number });
          if (numbers.length % 1000 === 0) opts.progress(`${numbers.length} orders started`);
        }
      }),
    );
    const startsPerSecond = Math.round((opts.orders / ((Date.now() - started) / 1000)) * 10) / 10;
    const q = `TaskQueue = "${taskQueue}" AND WorkflowType = "orderWorkflow"`;
    let lastReport = Date.now();
    let waiting = 0;
    // A worker still injecting is not idle: measuring it would report its work as the cost of waiting.
    const allWaiting = async () => {
      waiting = await countWorkflows(system.client, `${q} AND OrderStage = "WAITING_FOR_SHIPMENT"`);
      if (Date.now() - lastReport > 15_000) {
        opts.progress(`${waiting} of ${opts.orders} orders waiting for shipment`);
        lastReport = Date.now();
      }
      return waiting >= opts.orders;
    };
    await pollUntil(allWaiting, {
      what: () =>
        `every order to wait for shipment: ${waiting} of ${opts.orders} after ${Math.round((Date.now() - started) / 1000)} s (raise --drain-timeout)`,
      timeoutMs: opts.drainTimeoutMs,
      everyMs: 2_000,
    });
    const parkedAfterSeconds = Math.round((Date.now() - started) / 1000);
    const delivery = await settledDeliveries({
      client: system.client,
      taskQueue,
      sandbox: system.sandbox,
      acknowledged: numbers,
      settled: 'OrderStage = "WAITING_FOR_SHIPMENT"',
      what: 'the parked orders to be in Hublify',
      timeoutMs: opts.drainTimeoutMs,
    });

    // Every order was created moments ago, so each sweep's window lists all of them (as `received`) until the
    // burst has left it: overlap plus one interval. Counted apart; the idle window starts after it.
    const workerConfig = loadConfig(workerEnv);
    const sweepEveryMs = workerConfig.HUBLIFY_SWEEP_INTERVAL;
    const settleMs = sweepEveryMs > 0 ? workerConfig.HUBLIFY_SWEEP_OVERLAP + sweepEveryMs : 0;
    const burstBefore = system.sandbox.requestCounts();
    if (settleMs > 0) {
      opts.progress(`all parked; ${settleMs / 1000}s for the parking burst to leave the sweep's window`);
      await new Promise((r) => setTimeout(r, settleMs));
    }
    const burstCalls = hublifyCallsBetween(burstBefore, system.sandbox.requestCounts(), settleMs / 1000);
    opts.progress(`measuring ${opts.idleSeconds}s of waiting`);
    const callsBefore = system.sandbox.requestCounts();
    const [workerCpu, serverCpu] = await idleCpuPercent([worker.pid!, system.temporal.pid], opts.idleSeconds);
    const hublifyCalls = hublifyCallsBetween(callsBefore, system.sandbox.requestCounts(), opts.idleSeconds);
    const workerMemory = memoryOf(worker.pid!);
    const v8 = await v8HeapOf(`http://${metricsAddress}/metrics`);
    const serverMemory = memoryOf(system.temporal.pid);

    let latency: ShipmentLatency | undefined;
    if (sweepEveryMs > 0 && opts.shipSample > 0) {
      const sample = parked.slice(0, opts.shipSample);
      opts.progress(
        `shipping ${sample.length} orders in Hublify (no push) over one sweep interval; waiting for the relay to see them`,
      );
      latency = await shipmentLatency(api.relay.client, system.sandbox, sample, {
        spreadMs: sweepEveryMs,
        timeoutMs: opts.drainTimeoutMs,
      });
    }
    let wake: WakeCost | undefined;
    if (opts.wakeSample > 0) {
      opts.progress(`waking ${opts.wakeSample} parked orders spread over all (pollNow); measuring the worker's CPU`);
      wake = await wakeCost(system, api, worker.pid!, parked.slice(opts.shipSample), opts.wakeSample);
    }
    const actionsPerSweep = await sweepActionsPerRun(system.client, taskQueue);

    opts.progress('probe order: polled every 2 s, then pushed');
    const probe = await probeActions(system, api, starter);
    const schedule = parsePollSchedule(defaults.TRACK_POLL_SCHEDULE);
    const days = pollsPerDay((i) => pollDelayMs(schedule, i));
    const perOrderLaterDay = round1(days.laterDay * probe.perPoll);
    const sweepsPerDay = sweepEveryMs > 0 ? 86_400_000 / sweepEveryMs : 0;
    return {
      orders: opts.orders,
      pollSchedule: defaults.TRACK_POLL_SCHEDULE,
      startsPerSecond,
      parkedAfterSeconds,
      delivery,
      worker: {
        ...workerMemory,
        rssMbBeforeOrders,
        v8,
        idleCpuPercent: workerCpu!,
        maxCachedWorkflows: loadConfig(workerEnv).WORKER_MAX_CACHED_WORKFLOWS,
        extraEnv: opts.workerExtraEnv ?? {},
      },
      temporalServer: { rssMb: serverMemory.rssMb, idleCpuPercent: serverCpu! },
      idleSeconds: opts.idleSeconds,
      ...(wake ? { wake } : {}),
      sweep: {
        intervalMs: sweepEveryMs,
        hublifyCalls,
        burstCalls,
        safetyNetCallsPerMinute: round1((opts.orders * days.laterDay) / 1440),
        ...(latency ? { shipmentLatency: latency } : {}),
        ...(actionsPerSweep !== undefined ? { actionsPerSweep } : {}),
        actionsPerOrderLaterDay: round1(perOrderLaterDay + ((actionsPerSweep ?? 0) * sweepsPerDay) / opts.orders),
      },
      actions: {
        ...probe,
        pollsFirstDay: days.firstDay,
        pollsLaterDay: days.laterDay,
        perOrderFirstDay: round1(probe.untilWaiting + days.firstDay * probe.perPoll),
        perOrderLaterDay,
        allOrdersLaterDay: Math.round(perOrderLaterDay * opts.orders),
      },
    };
  } finally {
    await stopWorker(worker);
    await api.relay.close();
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export interface WakeCost {
  woken: number;
  /** The worker's CPU (user + system) from the first signal until it was idle again, per order woken. */
  cpuMsPerWake: number;
  /** Worker RSS once the woken orders were done. */
  rssMbAfter: number;
}

/**
 * Wakes `n` of the parked orders, evenly spread (with a sticky cache smaller than the parked orders, most
 * are not cached and replay their history), each with pollNow: a signal, one order_get, a new timer — what
 * a daily safety-net poll or a sweep's news costs. Measured as the worker's CPU time (not wall time, so a
 * loaded machine stretches the run but not the figure) until every order_get arrived and the worker idles.
 */
async function wakeCost(
  system: BenchSystem,
  api: BenchRelay,
  pid: number,
  parked: Array<{ id: string }>,
  n: number,
): Promise<WakeCost> {
  const step = Math.max(1, Math.floor(parked.length / n));
  const sample = parked.filter((_, i) => i % step === 0).slice(0, n);
  const gets = () => system.sandbox.requestCounts().order_get ?? 0;
  const getsBefore = gets();
  const cpuBefore = cpuSecondsOf(pid);
  for (let i = 0; i < sample.length; i += 16)
    await Promise.all(
      sample
        .slice(i, i + 16)
        .map((o) => api.relay.client.workflow.getHandle(orderWorkflowId(o.id)).signal(pollNowSignal)),
    );
  await pollUntil(() => gets() - getsBefore >= sample.length, {
    what: `${sample.length} order_get calls from the woken orders`,
    timeoutMs: 600_000,
    everyMs: 250,
  });
  // Then each order's last task (the answer applied, a new timer): done when a whole second passes with no CPU to speak of.
  let last = cpuSecondsOf(pid);
  await pollUntil(
    () => {
      const now = cpuSecondsOf(pid);
      const idle = now - last < 0.02;
      last = now;
      return idle;
    },
    { what: 'the worker to idle after the wake', timeoutMs: 600_000, everyMs: 1_000 },
  );
  return {
    woken: sample.length,
    cpuMsPerWake: round1(((last - cpuBefore) * 1000) / sample.length),
    rssMbAfter: memoryOf(pid).rssMb,
  };
}

function spawnWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('src', 'main.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (!child.pid) throw new Error('could not start the worker process');
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(killer);
}

async function pollers(system: BenchSystem, taskQueue: string): Promise<number> {
  const res = await system.client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue },
    taskQueueType: 1,
  });
  return res.pollers?.length ?? 0;
}

/** One order on the parked orders' worker, polled every 2 s, then woken by a push; its history tells the costs. */
async function probeActions(system: BenchSystem, api: BenchRelay, starter: OrderStarterDeps): Promise<TrackingActions> {
  const order = benchOrder('PROBE', 1);
  const fast: OrderStarterDeps = {
    ...starter,
    settings: () => ({ ...starter.settings(), pollSchedule: parsePollSchedule('2s') }),
  };
  const { workflowId } = await startOrder(fast, order, 'webhook');
  const handle = api.relay.client.workflow.getHandle(workflowId);
  // A query can fail while the worker with thousands of parked orders is busy: asked again at the next wait.
  const status = () => handle.query(statusQuery).catch(() => undefined);
  let hublifyId: string | undefined;
  const polledThrice = async () => {
    const st = await status();
    hublifyId = st?.hublify?.orderId;
    return (st?.attempts.polls ?? 0) >= 3 && hublifyId !== undefined;
  };
  await pollUntil(polledThrice, { what: 'the probe order to be polled three times', timeoutMs: 600_000, everyMs: 500 });
  const data = system.sandbox.setState(hublifyId!, 'processing');
  const res = await fetch(`${api.baseUrl}/webhooks/hublify/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hublify-webhook-token': BENCH_PUSH_TOKEN },
    body: JSON.stringify({ status: true, data }),
  });
  if (!res.ok) throw new Error(`the push was refused: HTTP ${res.status}`);
  await pollUntil(async () => (await status())?.hublify?.state === 'processing', {
    what: "the probe's workflow to see Hublify's push",
    timeoutMs: 120_000,
    everyMs: 250,
  });
  // The push's poll is followed by a new timer; wait for it so the push's whole cost is in the history.
  const timerAfterPush = async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const signal = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
    return events.some((e, i) => i > signal && e.timerStartedEventAttributes);
  };
  await pollUntil(timerAfterPush, {
    what: "the probe's next poll timer after the push",
    timeoutMs: 60_000,
    everyMs: 250,
  });
  const actions = trackingActions((await handle.fetchHistory()).events ?? []);
  await handle.terminate('bench probe done');
  return actions;
}
