// The soak (#15): the whole system — Temporal dev server on its SQLite file, order-relay's API and
// worker as separate processes, the Hublify sandbox — under a steady stream of signed webhook orders
// (some redelivered, some concurrently, some invalid) while a fault plan drawn from the seed plays.
// Then it drains and reckons: what the senders were told against what Temporal, Hublify and the order
// store hold. Loopback only; load and faults stop by themselves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import * as fc from 'fast-check';
import { orderWorkflowId, type ApicbaseOrder } from '../../src/apicbase/order';
import { generateCodecKeyLine, payloadCodecFromConfig } from '../../src/codec';
import { startHublifySandbox, type HublifySandbox } from '../../src/hublify/sandbox/server';
import { freeLoopbackPort } from '../../src/net/free-port';
import { pollUntil, PollTimeoutError } from '../../src/poll-until';
import { defaultOrderStoreFile, openOrderStore } from '../../src/store/order-store';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { temporalGrpcInterceptors } from '../../src/temporal/grpc-retry';
import { ensureTemporalCli } from '../../src/temporal/temporal-cli';
import { startRelayProcess } from '../../test/helpers/relay-process';
import { sampleOrder } from '../../test/helpers/sample-order';
import { FAST_TIMINGS, TEST_CHANNEL_TOKEN, TEST_WEBHOOK_SECRET } from '../../test/helpers/system';
import { deliverOrder } from '../../test/helpers/webhook';
import { drawFaultPlan, type PlanEntry } from './fault-plan';
import { orderStagesFromVisibility, reckon, settledStage, type Reckoning, type SentOrder } from './reckoning';
import { Supervised } from './supervisor';

export interface SoakOptions {
  minutes: number;
  /** Orders per second. */
  rate: number;
  seed: number;
  /** TRACK_POLL_SCHEDULE (default 2s). */
  poll?: string;
  log?: (line: string) => void;
  /** How long the drain may wait for every order to settle (default 3 minutes). */
  drainMs?: number;
}

export async function runSoak(opts: SoakOptions): Promise<Reckoning> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const durationMs = Math.round(opts.minutes * 60_000);
  const plan = drawFaultPlan(opts.seed, durationMs);
  // Unbiased: fast-check otherwise favours small values, and the load's mix would lean to one kind.
  const [choices] = fc.sample(fc.infiniteStream(fc.noBias(fc.integer({ min: 0, max: 999_999 }))), {
    seed: opts.seed + 1,
    numRuns: 1,
  });
  const random = choices![Symbol.iterator]();
  const draw = (): number => (random.next().value as number) / 1_000_000;

  const dir = mkdtempSync(path.join(tmpdir(), 'order-relay-soak-'));
  const dataDir = path.join(dir, 'data');
  const codecKeys = generateCodecKeyLine();
  const cli = await ensureTemporalCli();
  const temporalPort = await freeLoopbackPort();
  const startTemporal = async (): Promise<DevServer> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startDevServer({
          cliPath: cli,
          ip: '127.0.0.1',
          port: temporalPort,
          uiPort: await freeLoopbackPort(),
          dbFile: path.join(dir, 'temporal.sqlite'),
          namespace: 'default',
          log: () => undefined,
        });
      } catch (err) {
        // The killed server's port may not be free yet.
        if (attempt >= 20) throw err;
        await sleep(500);
      }
    }
  };
  let temporal = await startTemporal();
  const sandbox: HublifySandbox = await startHublifySandbox({
    host: '127.0.0.1',
    port: 0,
    token: TEST_CHANNEL_TOKEN,
    channel: 'channel_10',
  });
  const env = {
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    HUBLIFY_URL: sandbox.url,
    HUBLIFY_CHANNEL_TOKEN: TEST_CHANNEL_TOKEN,
    HUBLIFY_TIMEOUT_MS: '2000',
    APICBASE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CODEC_KEYS: codecKeys,
    ...FAST_TIMINGS,
    // Outages here last seconds; the injection retries through them rather than asking support.
    INJECT_RETRY_FOR_MS: '600000',
    TRACK_POLL_SCHEDULE: opts.poll ?? '2s',
    // A long soak on a loaded machine lasts well over an hour with its drain; no order may reach the
    // tracking hard limit meanwhile (FAST_TIMINGS' one hour is for tests of minutes).
    TRACK_HARD_LIMIT_MS: String(7 * 24 * 3600_000),
    WEBHOOK_VERIFY_DEADLINE_MS: '60000',
    WEBHOOK_ACCEPT_DEADLINE_MS: '60000',
  };
  const worker = await Supervised.start(
    'worker',
    () => startRelayProcess({ role: 'worker', name: 'soak-worker', env }),
    log,
  );
  const api = await Supervised.start('api', () => startRelayProcess({ role: 'api', name: 'soak-api', env }), log);
  const { dataConverter } = payloadCodecFromConfig({ CODEC_KEYS: codecKeys, DATA_DIR: dataDir }, { create: false });
  const connection = await Connection.connect({
    address: `127.0.0.1:${temporalPort}`,
    interceptors: temporalGrpcInterceptors(),
  });
  const client = new Client({ connection, namespace: 'default', dataConverter });

  const sent: SentOrder[] = [];
  const inFlight = new Set<Promise<void>>();
  const faultsPlayed: string[] = [];

  /** A careful sender: what got no answer (connection refused, 5xx) is sent again, for up to three minutes. */
  const deliver = async (order: ApicbaseOrder | string): Promise<number> => {
    let status = 0;
    const answered = async () => {
      status = await (
        typeof order === 'string'
          ? deliverOrder(api.process.baseUrl!, {}, { rawBody: order })
          : deliverOrder(api.process.baseUrl!, order)
      ).then(
        (r) => r.status,
        () => 0,
      );
      return status > 0 && status < 500;
    };
    // Given up after three minutes: the last answer (0 or a 5xx) is what the reckoning counts.
    await pollUntil(answered, { what: 'an answer below 500', timeoutMs: 180_000, everyMs: 300 }).catch(
      (err: unknown) => {
        if (!(err instanceof PollTimeoutError)) throw err;
      },
    );
    return status;
  };
  const send = (entry: SentOrder, body: ApicbaseOrder | string) => {
    const p = deliver(body).then((status) => void entry.answers.push(status));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const playFault = async (entry: PlanEntry): Promise<void> => {
    const f = entry.fault;
    faultsPlayed.push(f.kind === 'hublify' ? `hublify ${f.fault}×${f.count}` : f.kind);
    switch (f.kind) {
      case 'hublify':
        sandbox.injectFault({ kind: f.fault, count: f.count, retryAfterSeconds: 1, delayMs: 2_500 });
        return;
      case 'kill-worker':
        await worker.kill();
        return;
      case 'kill-api':
        await api.kill();
        return;
      case 'kill-temporal':
        process.kill(temporal.pid, 'SIGKILL');
        await temporal.stop().catch(() => undefined);
        temporal = await startTemporal();
        return;
      case 'ship':
      case 'cancel': {
        const open = sandbox.orders().filter((o) => !['shipped', 'cancelled'].includes(o.order_state_code));
        const target = open[Math.floor(draw() * open.length)];
        if (!target) return;
        if (f.kind === 'ship') sandbox.ship(target.orderid);
        else sandbox.setState(target.orderid, 'cancelled');
      }
    }
  };

  try {
    log(`soak: ${opts.minutes} min at ${opts.rate} orders/s, seed ${opts.seed}; ${plan.length} faults planned`);
    const started = Date.now();
    let nextFault = 0;
    let faultRunning: Promise<void> | undefined;
    // The load runs its minutes, and on (up to three times as long) until the whole fault plan has
    // played: on a slow machine restarts take longer, and every fault should meet orders in flight.
    const loadGoesOn = (elapsed: number) =>
      elapsed < durationMs || (nextFault < plan.length && elapsed < 3 * durationMs);
    for (let elapsed = 0; loadGoesOn(elapsed); elapsed = Date.now() - started) {
      if (!faultRunning && nextFault < plan.length && plan[nextFault]!.atMs <= elapsed) {
        const entry = plan[nextFault++]!;
        faultRunning = playFault(entry).finally(() => (faultRunning = undefined));
      }
      const roll = draw();
      const earlier = sent.filter((s) => s.kind === 'valid');
      if (roll < 0.05) {
        const order = sampleOrder({ supplier_customer_number: 'NO-SUCH-CUSTOMER' });
        const entry: SentOrder = { kind: 'invalid', order, answers: [] };
        sent.push(entry);
        send(entry, order);
      } else if (roll < 0.07) {
        const entry: SentOrder = { kind: 'unreadable', order: null, answers: [] };
        sent.push(entry);
        send(entry, '{"id": "not json');
      } else if (roll < 0.17 && earlier.length) {
        // A redelivery of an earlier order, sometimes twice at once.
        const entry = earlier[Math.floor(draw() * earlier.length)]!;
        send(entry, entry.order!);
        if (roll < 0.12) send(entry, entry.order!);
      } else {
        const order = sampleOrder();
        const entry: SentOrder = { kind: 'valid', order, answers: [] };
        sent.push(entry);
        send(entry, order);
      }
      await sleep(1000 / opts.rate);
    }
    await faultRunning;
    while (inFlight.size) await Promise.all([...inFlight]);
    sandbox.clearFaults();
    log(`soak: load done (${sent.length} orders; faults: ${faultsPlayed.join(', ')}); draining`);

    // Drain: every accepted order settles; every order shipped or cancelled in Hublify is seen so.
    // Stages are read from visibility (the OrderStage search attribute), one listing per round: a
    // status query per order per round would replay a thousand workflows a second and starve the
    // worker of the very polls the drain waits for.
    const drainUntil = Date.now() + (opts.drainMs ?? 180_000);
    const accepted = sent.filter((s) => s.order && s.answers.some((a) => a >= 200 && a < 300));
    for (let lastLog = Date.now(); ;) {
      const stages = await orderStagesFromVisibility(client).catch(() => new Map<string, string>());
      const hublify = new Map(sandbox.orders().map((o) => [o.o_orderid_external, o.order_state_code]));
      const unsettled = accepted.filter(
        ({ kind, order }) =>
          stages.get(orderWorkflowId(order!.id)) !== settledStage(kind, hublify.get(order!.order_number)),
      );
      if (unsettled.length === 0) break;
      if (Date.now() > drainUntil) {
        log(
          `soak: drain ended with ${unsettled.length} orders unsettled: ${unsettled
            .slice(0, 10)
            .map((s) => s.order!.order_number)
            .join(', ')}`,
        );
        break;
      }
      if (Date.now() - lastLog > 30_000) {
        log(`soak: draining, ${unsettled.length} orders not settled yet`);
        lastLog = Date.now();
      }
      await sleep(2_000);
    }

    // The store is read while the worker still runs (its status queries need it); SQLite allows a reader.
    const store = await openOrderStore(defaultOrderStoreFile(dataDir));
    try {
      return await reckon({
        sent,
        sandbox,
        client,
        store,
        faults: faultsPlayed,
        selfExits: [...api.selfExits, ...worker.selfExits],
      });
    } finally {
      await store.close();
    }
  } finally {
    await Promise.all([api.close(), worker.close()]);
    await connection.close();
    await sandbox.close();
    await temporal.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
