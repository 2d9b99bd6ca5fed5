// The benchmark (npm run bench) still runs and checks what it claims: a short run of every step —
// the floors, order-relay's webhook in both ack modes, the many-waiting-orders mode with a few orders —
// where no order may be lost or duplicated (counted on the Hublify sandbox's side). No speed asserted.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import type { DeliveryCheck } from '../scripts/bench/deliveries';

type Delivery = DeliveryCheck;

const bench = async (args: string[]) => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join('scripts', 'bench-webhook.ts'), ...args, '--json'],
    {
      cwd: path.resolve(__dirname, '..'),
      maxBuffer: 16 << 20,
    },
  ).catch((err: Error & { stdout?: string }) => {
    // The delivery checks are in the JSON on stdout: a failure shows them.
    throw new Error(`${err.message}\nstdout:\n${err.stdout ?? ''}`, { cause: err });
  });
  return JSON.parse(stdout.slice(stdout.indexOf('{\n'))) as unknown;
};

function assertDelivered(d: Delivery, what: string): void {
  assert.ok(d.started > 0, `${what}: orders were started`);
  assert.equal(d.lost, 0, `${what}: lost`);
  assert.equal(d.duplicated, 0, `${what}: duplicated`);
  assert.equal(d.orderCreateCalls, d.started, `${what}: one order_create received per started order`);
  assert.equal(d.inHublify, d.started, `${what}: every started order in Hublify`);
  assert.ok(d.acknowledged <= d.started, `${what}: every acknowledged order was started`);
  assert.equal(d.ok, true, what);
}

void it('npm run bench: floors and both ack modes run, each figure has its floor, and no order is lost or duplicated', async () => {
  const result = (await bench(['--duration', '3', '--senders', '2', '--floor-senders', '2'])) as {
    floors: { floor: string; senders: number; load: { requests: number }; delivery?: Delivery }[];
    runs: { ackMode: string; senders: number; load: { requests: number; non2xx: number }; delivery: Delivery }[];
    targets: { name: string; ratio: number }[];
  };
  assert.deepEqual(
    result.floors.map((f) => f.floor),
    ['http', 'start', 'updateWithStart', 'inject'],
  );
  for (const f of result.floors) assert.ok(f.load.requests > 0, `floor ${f.floor} was loaded`);
  assertDelivered(result.floors.find((f) => f.floor === 'inject')!.delivery!, 'floor (d)');
  assert.deepEqual(
    result.runs.map((r) => r.ackMode),
    ['accepted', 'verified'],
  );
  for (const r of result.runs) {
    assert.equal(r.load.non2xx, 0, `${r.ackMode}: no refusals`);
    assertDelivered(r.delivery, `${r.ackMode} ack`);
  }
  // Each target's ratio is order-relay's figure over its floor (a number, whatever it is).
  assert.ok(result.targets.length >= 3);
  for (const t of result.targets) assert.ok(Number.isFinite(t.ratio), t.name);
});

void it('npm run bench -- --park: a few orders parked on a worker process, its memory and CPU measured, actions per day read off a history', async () => {
  // A sweep every 2 s and no overlap (not the default minute and two), so the bench waits seconds for its burst and its sample.
  const result = (await bench([
    '--park',
    '5',
    '--idle-seconds',
    '2',
    '--ship-sample',
    '2',
    '--worker-env',
    'HUBLIFY_SWEEP_INTERVAL=2s',
    '--worker-env',
    'HUBLIFY_SWEEP_OVERLAP=0s',
  ])) as {
    park: {
      orders: number;
      delivery: Delivery;
      worker: { rssMb: number; v8: { heapUsedMb: number; heapTotalMb: number }; idleCpuPercent: number };
      actions: { perPoll: number; perPush: number; perOrderLaterDay: number; pollsLaterDay: number };
      sweep: {
        intervalMs: number;
        hublifyCalls: { byVerb: Record<string, number>; perMinute: number };
        shipmentLatency?: { samples: number; p99Seconds: number };
        actionsPerSweep?: number;
        actionsPerOrderLaterDay: number;
      };
    };
    targets: { name: string; ratio: number }[];
  };
  assert.equal(result.park.orders, 5);
  assertDelivered(result.park.delivery, 'park');
  assert.equal(result.park.delivery.started, 5);
  assert.ok(result.park.worker.rssMb > 0, 'the worker process was measured');
  const { heapUsedMb, heapTotalMb } = result.park.worker.v8;
  assert.ok(
    heapUsedMb > 0 && heapUsedMb <= heapTotalMb && heapTotalMb < result.park.worker.rssMb,
    `its V8 heap read from its metrics: ${JSON.stringify(result.park.worker.v8)}`,
  );
  // A poll is at least its timer and its order_get activity; a push at least its signal and its poll.
  assert.ok(result.park.actions.perPoll >= 2);
  assert.ok(result.park.actions.perPush >= 2);
  assert.equal(result.park.actions.pollsLaterDay, 1, 'the default schedule (TRACK_POLL_SCHEDULE 24h) polls once a day');
  // The sweep: the sample shipped in Hublify was seen (through the sweep: the sandbox pushes nothing), one sweep's actions were read off its history.
  const { sweep } = result.park;
  assert.equal(sweep.intervalMs, 2_000);
  assert.equal(sweep.shipmentLatency?.samples, 2);
  assert.ok(sweep.shipmentLatency.p99Seconds >= 0);
  assert.ok((sweep.actionsPerSweep ?? 0) >= 2, 'a sweep is at least its start and its activity');
  assert.ok(
    sweep.actionsPerOrderLaterDay > result.park.actions.perOrderLaterDay,
    "the sweeps' share is added to the polls",
  );
  assert.equal(result.targets.length, 4, result.targets.map((t) => t.name).join('; '));
});

void it('npm run bench -- --paced: senders are held to the rate in all (an upper bound, so no machine is too slow for it)', async () => {
  const result = (await bench([
    '--duration',
    '3',
    '--senders',
    '1',
    '--ack-modes',
    'verified',
    '--no-floors',
    '--paced',
    '2',
  ])) as {
    settings: { pacedPerSecond?: number };
    runs: { load: { requests: number }; delivery: Delivery }[];
  };
  assert.equal(result.settings.pacedPerSecond, 2);
  // Unpaced, one sender sends again the moment it is answered (tens of orders in 3 s on this machine).
  assert.ok(result.runs[0]!.load.requests <= 2 * 3 + 1, `requests: ${result.runs[0]!.load.requests}`);
  assertDelivered(result.runs[0]!.delivery, 'paced verified ack');
});
