// `npm run bench -- --only wrong-signature` (issue 12.1, 24.1): what a request with a wrong signature
// costs before it is refused. Each body is valid JSON (by default 1 MB nested just under Python's depth
// limit; --body-bytes 65536 measures the largest body whose Python form is computed); the signature is a
// well-formed, wrong 64-hex.
// Per APICBASE_SIGNATURE_FORM, against a relay of its own, before any valid delivery and (`learned`)
// after one valid delivery in the Python form (which once taught `auto` to re-serialise every body):
//   cost   one sender as fast as answers come: the process's CPU time per request (server and load
//          client both: they share this process), less the same figure for a bare express server that
//          reads the body and answers 403 (the floor: moving 1 MB over HTTP), as a ratio to the HMAC of
//          the same body alone; and the handler's own time (the relay's accept-latency metric, outcome
//          bad-signature), also ÷ the HMAC;
//   lag    `rate` requests a second: the event loop's delay (perf_hooks.monitorEventLoopDelay) and
//          how long /healthz takes meanwhile.
import { createHmac } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import express from 'express';
import { pythonJsonDumps, signApicbasePayload, type SignatureFormSetting } from '../../src/ingress/apicbase-signature';
import { metricSum } from '../../test/helpers/prometheus-text';
import { serveFloor, type FloorServer } from './floor-server';
import { benchOrder } from './orders';
import { BENCH_WEBHOOK_SECRET, type BenchSystem } from './system';
import type { Target } from './targets';

/** Python's json.loads stops at about 1,000 levels: the deepest a Python-form body can be. */
export const BODY_DEPTH = 990;
/** 1 MB: just under WEBHOOK_BODY_LIMIT's default (1 MiB), so the relay runs on its defaults. */
export const BODY_BYTES = 1_000_000;
const WRONG_SIGNATURE = 'ab'.repeat(32);
const PATH = '/webhooks/apicbase/orders';

export interface WrongSignatureRun {
  form: SignatureFormSetting;
  /** Measured after one valid delivery signed in the Python form (accepted first, 2xx). */
  afterPythonDelivery: boolean;
  cost: {
    requests: number;
    /** Answers other than 403 (there should be none). */
    not403: number;
    cpuMsPerRequest: number;
    /** cpuMsPerRequest less the floor's: what the relay adds to receiving the body. */
    addedCpuMsPerRequest: number;
    handlerMsPerRequest: number;
    /** ÷ the HMAC of the same body alone. */
    addedCpuRatio: number;
    handlerRatio: number;
  };
  lag: {
    requestsPerSecond: number;
    requests: number;
    not403: number;
    eventLoopDelayMs: { p50: number; p99: number; max: number };
    healthzMs: { p50: number; max: number; failed: number };
  };
}

export interface WrongSignatureResult {
  body: { bytes: number; depth: number };
  hmacMs: number;
  /** CPU ms per request of a bare express server reading the same body and answering 403. */
  floorCpuMsPerRequest: number;
  runs: WrongSignatureRun[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * `depth` nested containers (objects and arrays in turn) filling `bytes`: strings with escapes and
 * non-ASCII, floats, ints and literals at every level, all of which the Python form re-spells.
 */
export function deepBody(bytes = BODY_BYTES, depth = BODY_DEPTH): Buffer {
  const open: string[] = [];
  const close: string[] = [];
  const chunk = '"Cr\\u00e8me fra\\u00eeche 30%", 12.5, 1e-07, 4300, true, null, "Wei\u00dfwurst \\"bio\\"", ';
  const fill = (room: number) => chunk.repeat(Math.max(0, Math.floor(room / Buffer.byteLength(chunk))));
  // Leave the innermost level the rest, so the body is exactly `bytes` long.
  const perLevel = Math.floor((bytes * 0.9) / depth);
  for (let i = 0; i < depth; i++) {
    if (i % 2 === 0) {
      open.push(`{"k${i}": [${fill(perLevel - 40)}0], "n": `);
      close.push('}');
    } else {
      open.push(`[${fill(perLevel - 10)}`);
      close.push(']');
    }
  }
  const head = open.join('');
  const tail = close.reverse().join('');
  const room = bytes - Buffer.byteLength(head) - Buffer.byteLength(tail) - 2;
  const middle = `"${'x'.repeat(Math.max(0, room))}"`;
  return Buffer.from(head + middle + tail, 'utf8');
}

/** Milliseconds for one HMAC-SHA256 of `body`, averaged over about a second. */
export function hmacMs(body: Buffer): number {
  const rounds = (n: number) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) createHmac('sha256', 'bench-webhook-secret').update(body).digest();
    return Number(process.hrtime.bigint() - started) / 1e6 / n;
  };
  rounds(20); // warm up
  const one = rounds(20);
  return round2(rounds(Math.max(20, Math.round(1000 / Math.max(one, 0.01)))));
}

async function acceptSeconds(baseUrl: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const read = (series: string) =>
    metricSum(text, `order_relay_webhook_accept_seconds_${series}`, { outcome: 'bad-signature' });
  return { sum: read('sum'), count: read('count') };
}

function load(
  baseUrl: string,
  body: Buffer,
  opts: { connections: number; durationSeconds: number; overallRate?: number },
) {
  let not403 = 0;
  return autocannon({
    url: baseUrl,
    connections: opts.connections,
    duration: opts.durationSeconds,
    timeout: 30,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: PATH,
        headers: { 'content-type': 'application/json', 'x-apic-webhook-signature': WRONG_SIGNATURE },
        body,
        onResponse: (status: number) => {
          if (status !== 403) not403++;
        },
      },
    ],
  }).then((r) => ({ requests: r.requests.total, not403: not403 + r.errors + r.timeouts }));
}

/** Times GET /healthz every 100 ms until `stop` resolves. */
async function probeHealth(baseUrl: string, stop: Promise<unknown>): Promise<WrongSignatureRun['lag']['healthzMs']> {
  let done = false;
  void stop.then(() => (done = true));
  const times: number[] = [];
  let failed = 0;
  while (!done) {
    const started = performance.now();
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      await res.arrayBuffer();
      if (res.ok) times.push(performance.now() - started);
      else failed++;
    } catch {
      failed++;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  times.sort((a, b) => a - b);
  return {
    p50: round2(times[Math.floor(times.length / 2)] ?? Number.NaN),
    max: round2(times.at(-1) ?? Number.NaN),
    failed,
  };
}

/** A bare express server that reads the body as the relay does (express.raw) and answers 403. */
function startFloor(): Promise<FloorServer> {
  const app = express();
  app.post(PATH, express.raw({ type: () => true, limit: '1mb' }), (_req, res) => {
    res.status(403).json({ error: 'Incorrect signature' });
  });
  return serveFloor(app);
}

/** One sender as fast as answers come: requests, answers other than 403, CPU ms of this process per request. */
async function cpuPerRequest(baseUrl: string, body: Buffer, durationSeconds: number) {
  const before = process.cpuUsage();
  const run = await load(baseUrl, body, { connections: 1, durationSeconds });
  const cpu = process.cpuUsage(before);
  return { ...run, cpuMs: (cpu.user + cpu.system) / 1000 / Math.max(run.requests, 1) };
}

/** One valid order signed over its Python form (what Apicbase's sample signs); throws unless 2xx. */
async function deliverPythonSigned(baseUrl: string): Promise<void> {
  const raw = JSON.stringify(benchOrder(`wrongsig${Date.now()}`, 1));
  const res = await fetch(`${baseUrl}${PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-apic-webhook-signature': signApicbasePayload(BENCH_WEBHOOK_SECRET, pythonJsonDumps(raw)),
    },
    body: raw,
  });
  if (!res.ok) throw new Error(`the valid Python-form delivery was answered ${res.status}: ${await res.text()}`);
}

export async function runWrongSignature(
  system: BenchSystem,
  opts: {
    forms: SignatureFormSetting[];
    learned: boolean;
    durationSeconds: number;
    rate: number;
    bodyBytes?: number;
    bodyDepth?: number;
    progress: (line: string) => void;
  },
): Promise<WrongSignatureResult> {
  const depth = opts.bodyDepth ?? BODY_DEPTH;
  const body = deepBody(opts.bodyBytes ?? BODY_BYTES, depth);
  const hmac = hmacMs(body);
  opts.progress('wrong signatures: floor (bare express reading the body, 403)');
  const floorServer = await startFloor();
  const floor = await cpuPerRequest(floorServer.url, body, opts.durationSeconds).finally(() => floorServer.close());
  const runs: WrongSignatureRun[] = [];
  const cases = opts.forms.flatMap((form) =>
    [false, ...(opts.learned && form !== 'raw' ? [true] : [])].map((afterPythonDelivery) => ({
      form,
      afterPythonDelivery,
    })),
  );
  for (const { form, afterPythonDelivery } of cases) {
    const { relay, baseUrl } = await system.startRelay({ APICBASE_SIGNATURE_FORM: form });
    const label = `${form}${afterPythonDelivery ? ' (after a valid Python-form delivery)' : ''}`;
    try {
      if (afterPythonDelivery) await deliverPythonSigned(baseUrl);
      opts.progress(`wrong signatures, ${label}: cost at 1 sender`);
      const before = await acceptSeconds(baseUrl);
      const cost = await cpuPerRequest(baseUrl, body, opts.durationSeconds);
      const after = await acceptSeconds(baseUrl);
      const addedMs = Math.max(0, cost.cpuMs - floor.cpuMs);
      const handlerMs = ((after.sum - before.sum) * 1000) / Math.max(after.count - before.count, 1);

      opts.progress(`wrong signatures, ${label}: event-loop lag at ${opts.rate}/s`);
      // Each sample is the whole timer interval (1 ms here) plus the delay: the figures include that 1 ms.
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const lagLoad = load(baseUrl, body, {
        connections: Math.max(2, Math.ceil(opts.rate / 5)),
        durationSeconds: opts.durationSeconds,
        overallRate: opts.rate,
      });
      const [lag, healthz] = await Promise.all([lagLoad, probeHealth(baseUrl, lagLoad)]);
      delay.disable();
      const ms = (ns: number) => round2(ns / 1e6);
      runs.push({
        form,
        afterPythonDelivery,
        cost: {
          requests: cost.requests,
          not403: cost.not403,
          cpuMsPerRequest: round2(cost.cpuMs),
          addedCpuMsPerRequest: round2(addedMs),
          handlerMsPerRequest: round2(handlerMs),
          addedCpuRatio: round2(addedMs / hmac),
          handlerRatio: round2(handlerMs / hmac),
        },
        lag: {
          requestsPerSecond: opts.rate,
          requests: lag.requests,
          not403: lag.not403,
          eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
          healthzMs: healthz,
        },
      });
    } finally {
      await relay.close();
    }
  }
  return { body: { bytes: body.length, depth }, hmacMs: hmac, floorCpuMsPerRequest: round2(floor.cpuMs), runs };
}

/** Issue 12.1's limits, for every form and every case: no form re-serialises a body over 64 KiB (issue 24.1). */
export const WRONG_SIGNATURE_LIMITS = { costRatio: 3, lagMs: 50 } as const;

export function wrongSignatureTargets(result: WrongSignatureResult): Target[] {
  return result.runs.flatMap((r) => {
    const form = `${r.form}${r.afterPythonDelivery ? ' (learned)' : ''}`;
    return [
      {
        name: `${form}: CPU a wrong-signature 1 MB request adds to receiving it ≤ ${WRONG_SIGNATURE_LIMITS.costRatio} × the HMAC alone`,
        value: r.cost.addedCpuMsPerRequest,
        floor: result.hmacMs,
        unit: 'ms',
        ratio: r.cost.addedCpuRatio,
        limit: { max: WRONG_SIGNATURE_LIMITS.costRatio },
        met: r.cost.addedCpuRatio <= WRONG_SIGNATURE_LIMITS.costRatio,
      },
      {
        // p99, not max: on a shared machine the maximum is the scheduler's (the process not running), not ours.
        name: `${form}: event-loop delay p99 at ${r.lag.requestsPerSecond}/s < ${WRONG_SIGNATURE_LIMITS.lagMs} ms`,
        value: r.lag.eventLoopDelayMs.p99,
        floor: WRONG_SIGNATURE_LIMITS.lagMs,
        unit: 'ms',
        ratio: round2(r.lag.eventLoopDelayMs.p99 / WRONG_SIGNATURE_LIMITS.lagMs),
        limit: { max: 1 },
        met: r.lag.eventLoopDelayMs.p99 < WRONG_SIGNATURE_LIMITS.lagMs,
      },
    ];
  });
}

export function printWrongSignature(out: { result: WrongSignatureResult; targets: Target[]; machine: string }): string {
  const { result } = out;
  const lines = [
    `machine: ${out.machine}`,
    `wrong-signature bodies: ${result.body.bytes} bytes of JSON nested ${result.body.depth} deep; HMAC-SHA256 of one alone: ${result.hmacMs} ms`,
    `floor (bare express reading the body, 403): ${result.floorCpuMsPerRequest} CPU ms per request (load client included)`,
    '',
    'form              requests  CPU ms/req  added to floor (÷HMAC)  handler ms/req (÷HMAC)   at rate/s  loop delay p50 / p99 / max ms   /healthz p50 / max ms',
  ];
  for (const r of result.runs) {
    const c = r.cost;
    const l = r.lag;
    const bad = c.not403 + l.not403 + l.healthzMs.failed;
    lines.push(
      `${`${r.form}${r.afterPythonDelivery ? ' learned' : ''}`.padEnd(18)}${String(c.requests).padStart(8)}  ${String(c.cpuMsPerRequest).padEnd(12)}${`${c.addedCpuMsPerRequest} (${c.addedCpuRatio}×)`.padEnd(24)}${`${c.handlerMsPerRequest} (${c.handlerRatio}×)`.padEnd(25)}${String(l.requestsPerSecond).padStart(9)}  ${`${l.eventLoopDelayMs.p50} / ${l.eventLoopDelayMs.p99} / ${l.eventLoopDelayMs.max}`.padEnd(32)}${l.healthzMs.p50} / ${l.healthzMs.max}`,
    );
    if (bad)
      lines.push(
        `    ${c.not403 + l.not403} answers other than 403, ${l.healthzMs.failed} /healthz failures  ← FAILED`,
      );
  }
  lines.push('', 'targets');
  for (const t of out.targets)
    lines.push(`  ${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.value} ${t.unit} (${t.ratio}×)`);
  return `${lines.join('\n')}\n`;
}
