// `npm run demo` (`npm run demo -- --help` for its options): with `npm start` running on embedded defaults,
// places one order at the Apicbase sandbox — delivered to order-relay by a signed webhook (or left
// for the pull schedule with --via pull) — follows its workflow stage by stage, ships it in the
// Hublify sandbox once it waits for shipment, and ends when it is SHIPPED.
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import ms from 'ms';
import { Client, ScheduleNotFoundError, type Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { payloadCodecFromConfig } from '../codec';
import { loadConfig, type Config } from '../config';
import { orderWorkflowId, type ApicbaseOrder } from '../apicbase/order';
import { PULL_SCHEDULE_ID } from '../apicbase/schedules';
import { stageEntry } from '../operations/order-why';
import { pollUntil } from '../poll-until';
import { connectTemporal } from '../temporal/connect';
import { statusQuery } from '../../workflows/order-messages';
import type { OrderStatus } from '../../workflows/order-status';
import { FINAL_STAGES } from '../../workflows/order-status';

export interface DemoOptions {
  /** order-relay's payload codec (its statuses are encrypted): from CODEC_KEYS or DATA_DIR's key file; read when Temporal is reached. */
  dataConverter?: () => DataConverter;
  apicbaseSandbox: string;
  hublifySandbox: string;
  temporal: string;
  /** How long to wait for Temporal to answer (TEMPORAL_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  namespace: string;
  via: 'webhook' | 'pull';
  customer: string;
  items: Array<{ article: string; quantity: number }>;
  ship: boolean;
  timeoutMs: number;
}

interface PlacedOrder {
  order: ApicbaseOrder;
  status: string;
  webhook?: { status: number | null; body: unknown; error?: string };
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    throw new Error(`cannot reach ${new URL(url).origin} (${(err as Error).message}): is \`npm start\` running?`);
  }
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: response.status, json };
}

/** The demo cannot run as asked (e.g. `--via pull` while the relay does not pull): exit 2, nothing placed. */
export class DemoUsageError extends Error {}

/**
 * `--via pull` needs a relay that pulls: its pull schedule exists and runs (order-relay pauses it, with
 * its reason as the note, when APICBASE_MODE is `webhook`). Checked before anything is placed.
 */
async function checkPullMode(client: Client): Promise<void> {
  const restart =
    'restart it with `APICBASE_MODE=pull npm start` (or `both`), then run the demo again; nothing was placed';
  const described = await client.schedule
    .getHandle(PULL_SCHEDULE_ID)
    .describe()
    .catch((err: unknown) => {
      if (err instanceof ScheduleNotFoundError)
        throw new DemoUsageError(
          `--via pull: order-relay does not pull from Apicbase (APICBASE_MODE is webhook: no pull schedule "${PULL_SCHEDULE_ID}"): ${restart}`,
        );
      throw err;
    });
  if (described.state.paused) {
    const note = described.state.note ? ` (${described.state.note})` : '';
    throw new DemoUsageError(
      `--via pull: order-relay's pull schedule "${PULL_SCHEDULE_ID}" is paused${note}, so it does not pull from Apicbase: ${restart}`,
    );
  }
}

/** What support runs next for a stuck order; printed once each time the order enters NEEDS_ATTENTION. */
export function stuckOrderAdvice(orderNumber: string, lastError: string | null): string[] {
  return [
    `   NEEDS ATTENTION: ${lastError ?? 'see the stage history'}`,
    '   The order waits for support (the demo keeps following it). Next, in another terminal:',
    `     npx order-relay orders show ${orderNumber}                       # what happened: last error, stage history, items`,
    `     npx order-relay orders amend ${orderNumber} --item EK00001:2      # correct the items (or --set field=value): injected again`,
    `     npx order-relay orders retry ${orderNumber} --note "what was fixed"   # after fixing the cause outside (catalogue, Hublify)`,
  ];
}

async function placeOrder(opts: DemoOptions, out: (line: string) => void): Promise<ApicbaseOrder> {
  const items = opts.items.map((i) => `${i.quantity} × ${i.article}`).join(', ');
  out(`1. Apicbase (sandbox ${opts.apicbaseSandbox}): customer ${opts.customer} places an order: ${items}`);
  const placed = await postJson(`${opts.apicbaseSandbox}/_sandbox/orders`, {
    delivery: opts.via,
    customer: opts.customer,
    items: opts.items,
  });
  if (placed.status !== 201)
    throw new Error(`the Apicbase sandbox refused the order: HTTP ${placed.status} ${JSON.stringify(placed.json)}`);
  const { order, webhook, status } = placed.json as PlacedOrder;
  out(`   order ${order.order_number} (Apicbase id ${order.id})`);
  if (opts.via === 'webhook') {
    const answer =
      webhook?.status === null
        ? `no answer (${webhook.error ?? 'network error'})`
        : `HTTP ${webhook?.status} ${JSON.stringify(webhook?.body)}`;
    out(`2. Apicbase → order-relay webhook (signed X-APIC-WEBHOOK-SIGNATURE): ${answer}`);
    if (status !== 'ORDERED')
      throw new Error(
        'order-relay did not accept the order, so Apicbase shows the customer an error (see the answer above)',
      );
  }
  return order;
}

async function connect(opts: DemoOptions): Promise<{ connection: Connection; client: Client }> {
  const connection = await connectTemporal(opts.temporal, opts.connectTimeoutMs);
  const client = new Client({
    connection,
    namespace: opts.namespace,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter() } : {}),
  });
  return { connection, client };
}

/** Runs the demo; resolves with the final status (SHIPPED on success). */
export async function runDemo(opts: DemoOptions, out: (line: string) => void): Promise<OrderStatus> {
  // Pull: the relay's mode is checked before anything is placed. Webhook: the webhook's answer tells.
  let temporal = opts.via === 'pull' ? await connect(opts) : undefined;
  try {
    if (temporal) await checkPullMode(temporal.client);
    const order = await placeOrder(opts, out);
    temporal ??= await connect(opts);
    const { client } = temporal;
    if (opts.via === 'pull') {
      // Poll now rather than wait up to APICBASE_POLL_INTERVAL: the same poll the schedule runs.
      await client.schedule.getHandle(PULL_SCHEDULE_ID).trigger();
      out(`2. left in Apicbase as ORDERED; the pull schedule "${PULL_SCHEDULE_ID}" is triggered to poll now`);
    }
    return await follow(client, order, opts, out);
  } finally {
    await temporal?.connection.close();
  }
}

async function follow(
  client: Client,
  order: ApicbaseOrder,
  opts: DemoOptions,
  out: (line: string) => void,
): Promise<OrderStatus> {
  const handle = client.workflow.getHandle(orderWorkflowId(order.id));
  out(`3. order-relay: workflow ${handle.workflowId} (Temporal ${opts.temporal}, namespace ${opts.namespace})`);
  let printed = 0;
  let shipped = false;
  let cannotShip: string | undefined;
  let reportedStuck: string | undefined;
  let current: OrderStatus | undefined;
  /** Prints what changed since the last look; the status once the order reached a final stage. */
  const finished = async (): Promise<OrderStatus | undefined> => {
    // Not started yet (pull) or no worker for a moment: keep waiting.
    current = (await handle.query(statusQuery).catch(() => undefined)) ?? current;
    if (!current) return undefined;
    for (const change of current.history.slice(printed))
      out(`   ${change.at}  ${change.stage}${change.detail ? `  (${change.detail})` : ''}`);
    printed = current.history.length;
    if (FINAL_STAGES.includes(current.stage)) {
      if (current.stage === 'SHIPPED') {
        for (const s of current.shipments)
          out(
            `5. shipped: ${s.carrierName ?? s.carrierLabel ?? 'carrier'} ${s.trackingCode}${s.traceUrl ? ` ${s.traceUrl}` : ''}`,
          );
        out(`Done: Apicbase order ${order.order_number} → Hublify order ${current.hublify?.orderId ?? '?'} → SHIPPED.`);
      }
      return current;
    }
    if (opts.ship && !shipped && current.stage === 'WAITING_FOR_SHIPMENT') {
      out(`4. Hublify (sandbox ${opts.hublifySandbox}): the warehouse ships order ${order.order_number}`);
      const ship = await postJson(
        `${opts.hublifySandbox}/_sandbox/orders/${encodeURIComponent(order.order_number)}/ship`,
        {},
      );
      if (ship.status !== 200)
        cannotShip = `the Hublify sandbox could not ship it: HTTP ${ship.status} ${JSON.stringify(ship.json)}`;
      shipped = true;
    }
    // Once each time it gets stuck (not at every poll while it waits for support).
    const stuckSince =
      current.stage === 'NEEDS_ATTENTION' ? stageEntry(current.history, 'NEEDS_ATTENTION')?.at : undefined;
    if (stuckSince && stuckSince !== reportedStuck) {
      reportedStuck = stuckSince;
      for (const line of stuckOrderAdvice(order.order_number, current.lastError)) out(line);
    }
    return undefined;
  };
  return pollUntil(finished, {
    what: `order ${order.order_number} to finish`,
    timeoutMs: opts.timeoutMs,
    everyMs: 500,
    abortIf: () => cannotShip,
    detail: () => {
      const stuck =
        current?.stage === 'NEEDS_ATTENTION'
          ? ` (it waits for support: npx order-relay orders show ${order.order_number})`
          : '';
      return `last stage ${current?.stage ?? 'unknown (no workflow yet)'}${stuck}`;
    },
  });
}

function parseItem(value: string, previous: DemoOptions['items'] | undefined): DemoOptions['items'] {
  const m = /^([^:]+):(\d+)$/.exec(value);
  if (!m || Number(m[2]) <= 0) throw new InvalidArgumentError('an item is ARTICLE:QUANTITY, e.g. EK00001:2');
  return [...(previous ?? []), { article: m[1]!, quantity: Number(m[2]) }];
}

function parseDuration(value: string): number {
  const parsed = ms(value as ms.StringValue) as number | undefined;
  if (typeof parsed !== 'number' || !(parsed > 0)) throw new InvalidArgumentError('must be a duration such as 2m');
  return parsed;
}

export function demoCommand(config: Config, out: (line: string) => void): Command {
  // One command with every option in its --help (`place-order`, the only action, may still be named).
  return (
    new Command('demo')
      .description(
        'place one sample order at the Apicbase sandbox of a running `npm start` and follow it through order-relay and Hublify to SHIPPED',
      )
      .addArgument(new Argument('[action]', 'what to do').choices(['place-order']).default('place-order'))
      .addOption(
        new Option(
          '--via <delivery>',
          'how Apicbase delivers it: by webhook, or left for the pull schedule (pull needs APICBASE_MODE pull or both)',
        )
          .choices(['webhook', 'pull'])
          .default('webhook'),
      )
      .option('--customer <number>', 'supplier customer number (config/customers.example.json)', 'CUST-001')
      .option('--item <article:quantity>', 'an item, repeatable (default EK00001:2 and PC0001:10)', parseItem)
      .option('--no-ship', 'do not ship it in the Hublify sandbox (the demo then ends at the timeout)')
      .addOption(
        new Option('--timeout <duration>', 'give up after (e.g. 90s, 5m)')
          .argParser(parseDuration)
          .default(120_000, '2m'),
      )
      .option('--apicbase-sandbox <url>', 'Apicbase sandbox', `http://127.0.0.1:${config.APICBASE_SANDBOX_PORT}`)
      .option('--hublify-sandbox <url>', 'Hublify sandbox', `http://127.0.0.1:${config.HUBLIFY_SANDBOX_PORT}`)
      .option(
        '--temporal <address>',
        'Temporal frontend',
        config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`,
      )
      .option('--namespace <namespace>', 'Temporal namespace', config.TEMPORAL_NAMESPACE)
      .addHelpText(
        'after',
        '\nExit codes: 0 shipped, 1 failed (not shipped in time, refused, or a part unreachable), 2 usage error (nothing placed).',
      )
      // A usage error is printed once by commander and thrown here, to exit 2 like DemoUsageError.
      .exitOverride()
      .action(
        async (
          _action: string,
          o: Omit<DemoOptions, 'items' | 'timeoutMs'> & { item?: DemoOptions['items']; timeout: number },
        ) => {
          const final = await runDemo(
            {
              apicbaseSandbox: o.apicbaseSandbox.replace(/\/+$/, ''),
              hublifySandbox: o.hublifySandbox.replace(/\/+$/, ''),
              temporal: o.temporal,
              connectTimeoutMs: config.TEMPORAL_CONNECT_TIMEOUT_MS,
              namespace: o.namespace,
              via: o.via,
              customer: o.customer,
              items: o.item ?? [
                { article: 'EK00001', quantity: 2 },
                { article: 'PC0001', quantity: 10 },
              ],
              ship: o.ship,
              timeoutMs: o.timeout,
              dataConverter: () => payloadCodecFromConfig(config, { create: false }).dataConverter,
            },
            out,
          );
          if (final.stage !== 'SHIPPED')
            throw new Error(
              `the order ended ${final.stage}${final.rejectionReasons.length ? `: ${final.rejectionReasons.join('; ')}` : ''}`,
            );
        },
      )
  );
}

if (require.main === module) {
  demoCommand(loadConfig(), (line) => process.stdout.write(`${line}\n`))
    .parseAsync(process.argv)
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      // commander printed its own message (help, version or a usage error) already.
      if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
      process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(err instanceof DemoUsageError ? 2 : 1);
    });
}
