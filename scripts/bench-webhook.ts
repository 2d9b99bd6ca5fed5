// Benchmark: how fast the webhook takes orders, and how long the system then needs to get every one of
// them into Hublify. Runs the whole system the way the tests do (real dev server, Hublify sandbox over
// HTTP, SQLite store), loads POST /webhooks/apicbase/orders with autocannon — each request a new, signed
// order — then waits until every accepted order is WAITING_FOR_SHIPMENT. Results: docs/benchmarks.md.
//   npm run bench -- --duration 20 --connections 8 --ack-mode verified [--json]
import { Command, InvalidArgumentError } from 'commander';
import autocannon from 'autocannon';
import { signApicbasePayload } from '../src/ingress/apicbase-signature';
import { sampleOrder } from '../test/helpers/sample-order';
import { TEST_WEBHOOK_SECRET, startTestSystem } from '../test/helpers/system';

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
};

const program = new Command('bench-webhook')
  .description('load the Apicbase webhook with new signed orders and measure intake and time to Hublify')
  .option('--duration <seconds>', 'how long to send orders', positiveInt, 20)
  .option('--connections <n>', 'concurrent connections (Apicbase-side senders)', positiveInt, 8)
  .option('--ack-mode <mode>', 'WEBHOOK_ACK_MODE: accepted (answer once started) or verified (once verified and mapped)', 'verified')
  .option('--drain-timeout <seconds>', 'how long to wait for every accepted order to reach Hublify', positiveInt, 300)
  .option('--json', 'print the results as JSON')
  .parse();

const opts = program.opts<{ duration: number; connections: number; ackMode: string; drainTimeout: number; json?: boolean }>();
if (!['accepted', 'verified'].includes(opts.ackMode)) program.error('--ack-mode must be accepted or verified');

async function main(): Promise<void> {
  const system = await startTestSystem({ WEBHOOK_ACK_MODE: opts.ackMode, TRACK_POLL_SCHEDULE: '1h' });
  try {
    const accepted: string[] = [];
    const started = Date.now();
    const load = await autocannon({
      url: system.baseUrl,
      connections: opts.connections,
      duration: opts.duration,
      requests: [
        {
          method: 'POST',
          path: '/webhooks/apicbase/orders',
          setupRequest: (req) => {
            const body = JSON.stringify(sampleOrder());
            return { ...req, body, headers: { 'content-type': 'application/json', 'x-apic-webhook-signature': signApicbasePayload(TEST_WEBHOOK_SECRET, body) } };
          },
          onResponse: (status, body) => {
            if (status === 200) accepted.push((JSON.parse(body) as { workflowId: string }).workflowId);
          },
        },
      ],
    });
    const loadEnded = Date.now();

    // Every order that was started must reach Hublify — the accepted ones and those whose answer the load
    // tool cut off at the end — exactly once. Waits through visibility until all have.
    const count = async (q: string) => (await system.relay.client.workflow.count(`WorkflowType = "orderWorkflow"${q}`)).count;
    const deadline = loadEnded + opts.drainTimeout * 1000;
    let startedOrders = 0;
    let inHublify = 0;
    for (;;) {
      [startedOrders, inHublify] = await Promise.all([count(''), count(' AND OrderStage = "WAITING_FOR_SHIPMENT"')]);
      if ((inHublify === startedOrders && startedOrders >= accepted.length) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const drained = Date.now();
    const injected = system.sandbox.orders().map((o) => o.o_orderid_external);
    const hublifyOrders = injected.length;
    const duplicates = hublifyOrders - new Set(injected).size;
    const sample = accepted[0];

    const results = {
      settings: { durationSeconds: opts.duration, connections: opts.connections, ackMode: opts.ackMode },
      webhook: {
        requests: load.requests.total,
        accepted: accepted.length,
        non2xx: load.non2xx,
        errors: load.errors,
        requestsPerSecond: Math.round((load.requests.total / load.duration) * 10) / 10,
        latencyMs: { p50: load.latency.p50, p90: load.latency.p90, p99: load.latency.p99, max: load.latency.max },
      },
      system: {
        startedOrders,
        inHublify,
        hublifyOrders,
        duplicates,
        allInHublify: inHublify === startedOrders && startedOrders >= accepted.length && hublifyOrders === startedOrders && duplicates === 0,
        drainSecondsAfterLoad: Math.round((drained - loadEnded) / 100) / 10,
        ordersPerSecondEndToEnd: Math.round((inHublify / ((drained - started) / 1000)) * 10) / 10,
      },
      ...(sample ? { sampleWorkflowId: sample } : {}),
    };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    } else {
      const w = results.webhook;
      const s = results.system;
      process.stdout.write(
        [
          `webhook (${opts.ackMode} ack, ${opts.connections} connections, ${opts.duration}s):`,
          `  ${w.requests} requests, ${w.accepted} accepted (200), ${w.non2xx} non-2xx, ${w.errors} errors: ${w.requestsPerSecond} orders/s`,
          `  latency p50 ${w.latencyMs.p50} ms · p90 ${w.latencyMs.p90} ms · p99 ${w.latencyMs.p99} ms · max ${w.latencyMs.max} ms`,
          `system: ${s.startedOrders} orders started (${w.accepted} answered 200; the rest cut off when the load stopped)`,
          `  ${s.inHublify} waiting for shipment, ${s.hublifyOrders} Hublify orders, ${s.duplicates} duplicates, ${s.drainSecondsAfterLoad}s after the load ended`,
          `  end to end ${s.ordersPerSecondEndToEnd} orders/s${s.allInHublify ? '' : '  — NOT ALL ORDERS REACHED HUBLIFY'}`,
          '',
        ].join('\n'),
      );
    }
    if (!results.system.allInHublify) process.exitCode = 1;
  } finally {
    await system.close();
  }
}

void main();
