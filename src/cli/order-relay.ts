// `order-relay` — the operator CLI (docs/operations.md): find, inspect and fix orders, check the
// customer directory and the installation. Configured by the same environment as the server.
//   npm run cli -- orders list --needs-attention        npx order-relay orders show PO-1001 --json
// Every command has --help and --json; exit codes: see EXIT_CODES_HELP.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import ms from 'ms';
import { ConfigError, loadConfig, type Config } from '../config';
import { amendRequestFromArgs } from '../operations/amend-request';
import { formatAddress } from '../operations/order-address';
import { connectOperations, type OperationsContext } from '../operations/context';
import { checkCustomerDirectory } from '../operations/customers';
import { runDoctor, type DoctorReport } from '../operations/doctor';
import { askRelayDoctor } from '../operations/relay-doctor';
import { EXIT_CODES, OperationError, exitCodeFor, toOperationError } from '../operations/errors';
import {
  CANCEL_IN_HUBLIFY_ADVICE,
  NOTHING_CANCELLED,
  STOPPED_TRACKING_ADVICE,
  amendOrder,
  checkAmendRequest,
  cancelOrder,
  pollOrder,
  replayOrder,
  retryOrder,
  type AmendOutcome,
  type CancelOutcome,
} from '../operations/order-actions';
import { DEFAULT_WATCH_INTERVAL_MS, DEFAULT_WATCH_LIMIT, watchOrders, watchQuery } from '../operations/watch-orders';
import {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  listOrders,
  showOrderOrRefusal,
  type ExplainedOrderSummary,
  type OrderDetails,
  type OrderList,
} from '../operations/orders';
import { refusalWhy, type RefusedOrderDetails } from '../operations/refusals';
import type { RefusalRecord } from '../store/order-store';
import { parseSince, parseStage, type OrderListFilters } from '../operations/visibility-query';
import { readSweepState, type SweepState } from '../hublify/sweep-schedule';
import { readPullScheduleState, type PullScheduleState, type ScheduleState } from '../apicbase/schedules';
import { formatTable } from './table';
import { runTemporalCli } from './temporal-passthrough';
import { changeLine, shortInstant, whyText } from './order-change-text';

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  the operation failed (refused by the order or Hublify, order already closed, a doctor check failed)
  2  usage or configuration error (bad option, invalid payload file or customer directory, bad environment)
  3  order not found
  4  Temporal unreachable

Configuration comes from the same environment variables as the server (TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, HUBLIFY_URL, CUSTOMER_DIRECTORY_FILE, …; see README.md). Without
TEMPORAL_ADDRESS the CLI talks to the dev server that \`npm start\` runs on 127.0.0.1:7233.`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  readStdin?: () => string;
  /** Ends `orders watch` (default: Ctrl-C or SIGTERM of the process). */
  stop?: AbortSignal;
}

/** A finished command: what to print and the exit code. */
class Outcome {
  constructor(
    readonly code: number,
    readonly json: unknown,
    readonly text: string,
    /** The command printed its JSON as it went (`orders watch --json`): print only the text, if any. */
    readonly streamed = false,
  ) {}
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface ListOptions {
  stage?: string[];
  customer?: string;
  since?: string;
  needsAttention?: boolean;
  overdue?: boolean;
  running?: boolean;
  closed?: boolean;
}

/** The filters `orders list` and `orders watch` share. */
function listFilters(opts: ListOptions): OrderListFilters {
  return {
    ...(opts.stage
      ? {
          stages: opts.stage
            .flatMap((s) => s.split(','))
            .filter((s) => s.trim())
            .map(parseStage),
        }
      : {}),
    ...(opts.customer !== undefined ? { customerNumber: opts.customer } : {}),
    ...(opts.since !== undefined ? { since: parseSince(opts.since) } : {}),
    ...(opts.needsAttention ? { needsAttention: true } : {}),
    ...(opts.overdue ? { overdue: true } : {}),
    ...(opts.running ? { running: true } : opts.closed ? { running: false } : {}),
  };
}

function parseInterval(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : (ms(value.trim() as ms.StringValue) as number | undefined);
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 100 || n > 3_600_000)
    throw new InvalidArgumentError('a duration from 100ms to 1h (500ms, 2s, 1m; a bare number is milliseconds)');
  return n;
}

/** Ends a long-running command: the caller's signal (tests), else Ctrl-C / SIGTERM. */
function stopSignal(io: CliIo): { signal: AbortSignal; dispose: () => void } {
  if (io.stop) return { signal: io.stop, dispose: () => undefined };
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}

// ---- human-readable output ----------------------------------------------------------------------

function listText(list: OrderList): string {
  if (list.orders.length === 0) return 'No orders match.';
  const explained = list.orders.filter((o): o is ExplainedOrderSummary => 'since' in o);
  const table =
    explained.length === list.orders.length
      ? formatTable(
          ['ORDER', 'CUSTOMER', 'STAGE', 'SINCE', 'HUBLIFY', 'WORKFLOW ID', 'WHY'],
          explained.map((o) => [
            o.orderNumber,
            o.customerNumber,
            o.stage,
            shortInstant(o.since),
            o.hublifyOrderId,
            o.workflowId,
            whyText(o),
          ]),
        )
      : formatTable(
          ['ORDER', 'CUSTOMER', 'STAGE', 'HUBLIFY', 'TEMPORAL', 'STARTED', 'WORKFLOW ID'],
          list.orders.map((o) => [
            o.orderNumber,
            o.customerNumber,
            o.stage,
            o.hublifyOrderId,
            o.execution,
            shortInstant(o.startedAt),
            o.workflowId,
          ]),
        );
  return `${table}\n\n${plural(list.orders.length, 'order')}${list.truncated ? ' (more match: use --limit or narrow the filters)' : ''}`;
}

function refusalLines(refusals: RefusalRecord[]): string[] {
  return refusals.map(
    (r) =>
      `Refused:      ${shortInstant(r.refusedAt) ?? r.refusedAt} (webhook answered 422${r.workflowId ? '' : ', no workflow'}) · ${refusalWhy(r)}`,
  );
}

function refusedText(o: RefusedOrderDetails): string {
  return [
    `Order ${o.orderNumber ?? '?'}${o.apicbaseId ? ` (Apicbase id ${o.apicbaseId})` : ''}`,
    `Stage:        REJECTED (refused by the webhook: the customer was shown the 422 and may place the order again)`,
    `Temporal:     no workflow (the order was refused before one started)`,
    ...refusalLines(o.refusals),
    '(why: the failed checks, by field and kind; the values are not kept)',
  ].join('\n');
}

function showText(shown: (OrderDetails & { refusals?: RefusalRecord[] }) | RefusedOrderDetails): string {
  if (shown.workflowId === null) return refusedText(shown);
  const o = shown;
  const lines = [
    `Order ${o.orderNumber ?? '?'}${o.apicbaseId ? ` (Apicbase id ${o.apicbaseId})` : ''} · customer ${o.customerNumber ?? '?'}${o.source ? ` · from ${o.source}` : ''}`,
    `Stage:        ${o.stage ?? 'unknown'}${o.overdue ? ' (overdue)' : ''}`,
    `Temporal:     ${o.execution} · ${o.workflowId} · started ${o.startedAt}${o.closedAt ? ` · closed ${o.closedAt}` : ''}`,
    `Hublify:      ${o.hublify ? `order ${o.hublify.orderId} · state ${o.hublify.state}${o.hublify.stateName ? ` (${o.hublify.stateName})` : ''}${o.hublify.personId ? ` · person ${o.hublify.personId}` : ''}` : o.hublifyOrderId ? `order ${o.hublifyOrderId}` : 'not in Hublify yet'}`,
  ];
  if (o.hublifyStillLive) {
    lines.push(
      `!! The relay stopped tracking this order, but Hublify order ${o.hublifyOrderId ?? '?'} is STILL LIVE: ${STOPPED_TRACKING_ADVICE}.`,
    );
  }
  if (o.addresses) {
    lines.push(`Invoice to:   ${formatAddress(o.addresses.invoice)}`);
    lines.push(`Deliver to:   ${formatAddress(o.addresses.deliver)}`);
  }
  if (o.comment) lines.push(`Comment:      ${o.comment.split('\n').join('\n              ')}`);

  if (o.attempts) lines.push(`Attempts:     inject ${o.attempts.inject} · polls ${o.attempts.polls}`);
  if (o.expectedDelivery) lines.push(`Expected:     ${o.expectedDelivery}`);
  if (o.lastError) lines.push(`Last error:   ${o.lastError}`);
  if (o.corrections)
    lines.push(
      `Corrections:  NOT in Hublify (${o.corrections.state === 'refused' ? 'refused by Hublify' : 'not sent'}): ${o.corrections.fields.join(', ')} (the address, comment and items shown are what Hublify holds)`,
    );
  if (o.rejectionReasons?.length) lines.push(`Rejected:     ${o.rejectionReasons.join('; ')}`);
  if (o.refusals?.length) lines.push(...refusalLines(o.refusals));
  if (o.unknownStates?.length) lines.push(`Unknown Hublify states: ${o.unknownStates.join(', ')}`);
  if (o.cancelReason) lines.push(`Cancel reason: ${o.cancelReason}`);
  if (o.webUi) lines.push(`Web UI:       ${o.webUi}`);
  if (o.statusUnavailable) lines.push(`(the workflow did not answer the status query: ${o.statusUnavailable})`);
  if (o.items?.length) {
    lines.push('', 'Items (as Hublify was sent them):');
    lines.push(
      indent(
        formatTable(
          ['ARTICLE', 'NAME', 'QTY', 'PRICE (GROSS)', 'VAT %'],
          o.items.map((i) => [
            i.article,
            i.name,
            i.quantity === null ? null : String(i.quantity),
            i.priceSingleBrutto?.toFixed(2),
            i.vatPct === undefined ? undefined : String(i.vatPct),
          ]),
        ),
        '  ',
      ),
    );
  }
  if (o.shipments?.length) {
    lines.push('', 'Shipments:');
    lines.push(
      indent(
        formatTable(
          ['TRACKING', 'CARRIER', 'SENT', 'TRACE URL'],
          o.shipments.map((s) => [s.trackingCode, s.carrierName ?? s.carrierLabel, s.sentAt, s.traceUrl]),
        ),
        '  ',
      ),
    );
  } else if (o.shipments) {
    lines.push('Shipments:    none yet');
  }
  if (o.history?.length) {
    lines.push('', 'Stage history:');
    lines.push(
      indent(
        formatTable(
          ['AT', 'STAGE', 'DETAIL'],
          o.history.map((h) => [h.at, h.stage, h.detail]),
        ),
        '  ',
      ),
    );
  }
  return lines.join('\n');
}

function amendText(r: AmendOutcome): string {
  const name = r.orderNumber ?? r.workflowId;
  const inHublify = r.hublifyOrderId ? ` (Hublify order ${r.hublifyOrderId})` : '';
  const heading = {
    reinjected: `Amended ${name}: re-injected into Hublify with the corrections (order_create)${inHublify}`,
    updated: `Amended ${name}: updated in Hublify (order_update)${inHublify}`,
    refused: `Amendment of ${name} REFUSED: Hublify holds none of the corrections${inHublify}`,
    pending: `Amendment of ${name} PENDING: not in Hublify yet; the corrected fields go with the injection's next attempt`,
  }[r.outcome];
  const partly =
    (r.outcome === 'updated' || r.outcome === 'reinjected') && r.refused.length
      ? ' — but Hublify refused some fields'
      : '';
  return [
    heading + partly,
    `  updated: ${r.updated.join(', ') || 'nothing'}`,
    `  refused: ${r.refused.join(', ') || 'nothing'}${r.refused.length ? ' (Hublify keeps its old values)' : ''}`,
    ...(r.pendingFields.length ? [`  pending: ${r.pendingFields.join(', ')} (see \`orders show ${name}\`)`] : []),
    ...(r.messages.length ? [`  Hublify: ${r.messages.join('; ')}`] : []),
  ].join('\n');
}

function cancelText(r: CancelOutcome): string {
  const name = r.orderNumber ?? r.workflowId;
  if (r.outcome === 'in-hublify') {
    return `NOT cancelled: ${name} reached Hublify${r.hublifyOrderId ? ` as ${r.hublifyOrderId}` : ''} while it was being cancelled, and the relay goes on tracking it: ${CANCEL_IN_HUBLIFY_ADVICE}.`;
  }
  if (r.outcome === 'unknown-in-hublify') return `${r.message}.\n${r.advice ?? ''}.`;
  if (!r.closed)
    return `Cancellation of ${name} accepted (${r.message}), but the workflow has not closed yet (is a worker running?)`;
  if (r.outcome === 'stopped-tracking') {
    return `Stopped tracking ${name} (stage ${r.stage ?? '?'}): ${r.reason}\nThe Hublify order ${r.hublifyOrderId ?? ''} is STILL LIVE: ${r.advice ?? STOPPED_TRACKING_ADVICE}.`;
  }
  if (r.outcome === 'stopped-unasked')
    return `Stopped tracking ${name} (stage ${r.stage ?? '?'}): ${r.reason}\nNOT KNOWN whether Hublify holds the order: ${r.message}.`;
  // Runs started before the typed outcomes (patch cancel-unasked-changes-nothing) say it in the message.
  const unasked = /could not (be asked|ask Hublify)/.test(r.message);
  return `Cancelled ${name} (stage ${r.stage ?? '?'}): ${r.reason}\n${unasked ? `NOT KNOWN whether Hublify holds the order: ${r.message}.` : 'Hublify never had the order.'}`;
}

/** Whose settings a doctor report judged: the running relay's (asked over its admin API) or the CLI's own. */
type DoctorSource = { checkedBy: 'relay'; server: string } | { checkedBy: 'cli' };

function doctorText(report: DoctorReport, source: DoctorSource): string {
  const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' } as const;
  const heading =
    source.checkedBy === 'relay'
      ? `Checked by the running relay at ${source.server} (GET /admin/doctor): its own settings and connections.`
      : "Checked with this CLI's own settings (its environment), not the running relay's: for the relay's view, give --server URL (or ORDER_RELAY_ADMIN_URL) and ADMIN_TOKEN.";
  return [
    heading,
    ...report.checks.map((c) => `[${mark[c.status]}] ${c.name}: ${c.detail}`),
    '',
    report.ok ? 'All checks passed.' : 'Some checks failed.',
  ].join('\n');
}

/** The relay's doctor checks Temporal, Hublify and the Apicbase sandbox each within 5 s: time for all of them. */
const DOCTOR_SERVER_TIMEOUT_MS = 30_000;

function doctorExitCode(report: DoctorReport): number {
  return report.ok ? EXIT_CODES.ok : !report.temporalReachable ? EXIT_CODES.unavailable : EXIT_CODES.failed;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

// ---- the program --------------------------------------------------------------------------------

export function buildProgram(io: CliIo, done: (outcome: Outcome) => void): Command {
  let config: Config | undefined;
  const getConfig = (): Config => (config ??= loadConfig(io.env));
  const withOps = async <T>(fn: (ctx: OperationsContext) => Promise<T>): Promise<T> => {
    const ops = await connectOperations(getConfig());
    try {
      return await fn(ops.ctx);
    } finally {
      await ops.close().catch(() => undefined);
    }
  };

  const program = new Command('order-relay')
    .description('Operate order-relay: find, inspect and fix Apicbase orders relayed into Hublify')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(add --help for usage)');
  program.addHelpText('after', EXIT_CODES_HELP);

  // Listed for --help only: runCli hands `temporal …` to the Temporal CLI before commander parses anything.
  program
    .command('temporal')
    .description(
      "the project's Temporal CLI, pointed at the relay's Temporal (TEMPORAL_ADDRESS, else npm start's dev server): order-relay temporal workflow list",
    )
    .argument('[args...]')
    .helpOption(false)
    .allowUnknownOption();

  const leaf = (parent: Command, name: string, description: string) =>
    parent
      .command(name)
      .description(description)
      .option('--json', 'print JSON (for scripts) instead of text')
      .addHelpText('after', EXIT_CODES_HELP);

  const orders = program
    .command('orders')
    .description('list, show and act on orders (one Temporal workflow each)')
    .addHelpText('after', EXIT_CODES_HELP);

  /** The filters `list` and `watch` share. */
  const withFilters = (command: Command) =>
    command
      .option(
        '--stage <stage>',
        'only this stage (repeat or comma-separate for several): RECEIVED, NEEDS_ATTENTION, SHIPPED, …',
        collect,
      )
      .option('--customer <number>', 'only this supplier customer number')
      .option(
        '--since <when>',
        'placed (workflow started) since a date (2026-11-20, 2026-11-20T09:30:00Z) or a duration ago (2h, 7d)',
      )
      .option('--needs-attention', 'only orders waiting for support (stage NEEDS_ATTENTION), with why and since when')
      .option('--overdue', 'only overdue orders (stage OVERDUE), with why and since when');

  withFilters(leaf(orders, 'list', 'list orders from Temporal visibility, newest first'))
    .option(
      '--why',
      'ask each order why it is in its stage and since when (implied by --needs-attention and --overdue)',
    )
    .addOption(new Option('--running', 'only orders whose workflow still runs').conflicts('closed'))
    .option('--closed', 'only orders whose workflow has closed')
    .option('--limit <n>', `at most this many (default ${DEFAULT_LIST_LIMIT})`, (v) => Number(v))
    .action(async (opts: ListOptions & { why?: boolean; limit?: number }) => {
      const explain = opts.why === true || opts.needsAttention === true || opts.overdue === true;
      const list = await withOps((ctx) =>
        listOrders(ctx, listFilters(opts), opts.limit ?? DEFAULT_LIST_LIMIT, { explain }),
      );
      done(new Outcome(EXIT_CODES.ok, list, listText(list)));
    });

  withFilters(
    leaf(
      orders,
      'watch',
      'follow orders live: one line per order whose stage changes, with since when and why (Ctrl-C ends)',
    ),
  )
    .option(
      '--interval <duration>',
      `how often to ask Temporal (default ${DEFAULT_WATCH_INTERVAL_MS / 1000}s; 500ms, 5s, …)`,
      parseInterval,
    )
    .option('--limit <n>', `watch at most this many orders, newest first (default ${DEFAULT_WATCH_LIMIT})`, (v) =>
      Number(v),
    )
    .addHelpText(
      'after',
      '\nFirst every running order matching the filters (and any that closes while watching) is shown once, then a line\nfor each change. --json prints one JSON object per line (no heading). Ctrl-C ends the watch (exit 0).',
    )
    .action(async (opts: ListOptions & { interval?: number; limit?: number; json?: boolean }) => {
      const limit = opts.limit ?? DEFAULT_WATCH_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
        throw new OperationError('usage', `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
      const filters = listFilters(opts);
      const intervalMs = opts.interval ?? DEFAULT_WATCH_INTERVAL_MS;
      const stop = stopSignal(io);
      try {
        const seen = await withOps(async (ctx) => {
          if (!opts.json)
            io.out(`Watching orders (${watchQuery(filters, new Date())}) every ${ms(intervalMs)}; Ctrl-C ends.\n`);
          return watchOrders(ctx, filters, {
            intervalMs,
            limit,
            signal: stop.signal,
            onChanges: (changes) =>
              io.out(changes.map((c) => (opts.json ? JSON.stringify(c) : changeLine(c))).join('\n') + '\n'),
            onError: (e) => io.err(`order-relay: ${e.message} (still watching)\n`),
            onTruncated: (n) =>
              io.err(
                `order-relay: more than ${n} orders match; watching the newest ${n} (narrow the filters or raise --limit)\n`,
              ),
          });
        });
        done(
          new Outcome(
            EXIT_CODES.ok,
            undefined,
            opts.json ? '' : `Stopped watching (${plural(seen, 'change')} shown).`,
            true,
          ),
        );
      } finally {
        stop.dispose();
      }
    });

  leaf(
    orders,
    'show',
    'show an order: stage and its history, what Hublify was sent (items, addresses, comment), Hublify ids, shipments, last error, Web UI link',
  )
    .argument('<order>', 'order number (e.g. PO-1001) or Apicbase id')
    .action(async (ref: string) => {
      const details = await withOps((ctx) => showOrderOrRefusal(ctx, ref));
      done(new Outcome(EXIT_CODES.ok, details, showText(details)));
    });

  leaf(
    orders,
    'cancel',
    'cancel an order that is not in Hublify yet, with a reason; one Hublify holds is cancelled in Hublify',
  )
    .argument('<order>', 'order number or Apicbase id')
    .requiredOption('--reason <text>', 'why (e.g. "customer phoned: placed twice")')
    .option('--stop-tracking', "the order is in Hublify: stop only the relay's tracking (the Hublify order stays live)")
    .addHelpText(
      'after',
      "\nHublify's channel API cannot cancel an order. Once Hublify has it, `cancel` refuses (exit 1): cancel it in\nHublify, and the relay follows Hublify's cancelled state to CANCELLED by itself.",
    )
    .action(async (ref: string, opts: { reason: string; stopTracking?: boolean }) => {
      const r = await withOps((ctx) =>
        cancelOrder(ctx, ref, opts.reason, { stopTracking: opts.stopTracking === true }),
      );
      done(
        new Outcome(
          r.closed && !NOTHING_CANCELLED.has(r.outcome) ? EXIT_CODES.ok : EXIT_CODES.failed,
          r,
          cancelText(r),
        ),
      );
    });

  leaf(orders, 'retry', 'try the stuck step again (signal retry), after fixing the cause outside')
    .argument('<order>', 'order number or Apicbase id')
    .option('--note <text>', 'what was fixed (logged by the workflow)')
    .action(async (ref: string, opts: { note?: string }) => {
      const r = await withOps((ctx) => retryOrder(ctx, ref, opts.note));
      done(
        new Outcome(
          EXIT_CODES.ok,
          r,
          `Sent retry to ${r.orderNumber ?? r.workflowId} (stage ${r.stage ?? '?'})${r.note ? `; note: ${r.note}` : ''}`,
        ),
      );
    });

  leaf(orders, 'poll', 'ask Hublify about the order now (signal pollNow)')
    .argument('<order>', 'order number or Apicbase id')
    .action(async (ref: string) => {
      const r = await withOps((ctx) => pollOrder(ctx, ref));
      const name = r.orderNumber ?? r.workflowId;
      done(
        new Outcome(
          EXIT_CODES.ok,
          r,
          r.signalled ? `Sent pollNow to ${name} (stage ${r.stage ?? '?'})` : `${name} ${r.note ?? 'is closed'}`,
        ),
      );
    });

  leaf(
    orders,
    'amend',
    'correct order fields and/or replace the items (the amend update); shows what Hublify updated and refused',
  )
    .argument('<order>', 'order number or Apicbase id')
    .option(
      '--set <field=value>',
      'set a Hublify order field, e.g. deliver_street="Neue Straße 1" (repeatable)',
      collect,
    )
    .option('--clear <field>', 'clear a Hublify order field (repeatable)', collect)
    .option(
      '--item <article:quantity>',
      'replace the items with these, e.g. --item EK00001:2 --item PC0001:10 (repeatable)',
      collect,
    )
    .option('--note <text>', 'why (kept with the request)')
    .addHelpText(
      'after',
      '\nAmendable fields: invoice_* and deliver_* address fields (company, gender, firstname, lastname, addrextra,\nstreet, housenr, zip, town, country), o_comment, st_label. Exits 1 when Hublify refused any of them.',
    )
    .action(async (ref: string, opts: { set?: string[]; clear?: string[]; item?: string[]; note?: string }) => {
      const request = amendRequestFromArgs(opts);
      checkAmendRequest(request);
      const r = await withOps((ctx) => amendOrder(ctx, ref, request));
      done(
        new Outcome(r.outcome === 'refused' || r.refused.length ? EXIT_CODES.failed : EXIT_CODES.ok, r, amendText(r)),
      );
    });

  leaf(orders, 'replay', 'start an order from a saved Apicbase purchase-order payload (source "support")')
    .argument('<file>', 'JSON file with one Apicbase purchase order ("-" reads stdin)')
    .action(async (file: string) => {
      let text: string;
      try {
        text = file === '-' ? (io.readStdin ?? (() => readFileSync(0, 'utf8')))() : readFileSync(file, 'utf8');
      } catch (err) {
        throw new OperationError('usage', `cannot read ${file}: ${(err as Error).message}`);
      }
      let payload: unknown;
      try {
        payload = JSON.parse(text.replace(/^\uFEFF/, ''));
      } catch (err) {
        throw new OperationError('usage', `${file} is not valid JSON: ${(err as Error).message}`);
      }
      const r = await withOps((ctx) => replayOrder(ctx, payload));
      const text2 = `${r.outcome === 'started' ? 'Started' : 'Already running, joined'}: order ${r.orderNumber} as ${r.workflowId}${r.webUi ? `\nWeb UI: ${r.webUi}` : ''}`;
      done(new Outcome(EXIT_CODES.ok, r, text2));
    });

  const customers = program
    .command('customers')
    .description('the customer directory')
    .addHelpText('after', EXIT_CODES_HELP);
  leaf(customers, 'check', 'validate the customer directory file (every problem listed; exit 2 when invalid)')
    .option('--file <path>', 'the file to check (default: CUSTOMER_DIRECTORY_FILE)')
    .action((opts: { file?: string }) => {
      const r = checkCustomerDirectory(opts.file ?? getConfig().CUSTOMER_DIRECTORY_FILE);
      done(
        new Outcome(
          EXIT_CODES.ok,
          r,
          `${r.file} is valid: ${plural(r.customers, 'customer')} (${r.customerNumbers.join(', ')})`,
        ),
      );
    });

  const sweep = program
    .command('sweep')
    .description('the Hublify sweep: one order_getList per interval tells waiting orders what shipped or was cancelled')
    .addHelpText('after', EXIT_CODES_HELP);
  leaf(
    sweep,
    'status',
    "the sweep's schedule, cursor, last successful sweep and what it found (HUBLIFY_CHANNEL's)",
  ).action(async () => {
    const channel = getConfig().HUBLIFY_CHANNEL;
    const state = await withOps((ctx) => readSweepState(ctx.client, channel));
    if (!state) {
      done(
        new Outcome(
          EXIT_CODES.failed,
          { channel, schedule: null },
          `No sweep schedule for ${channel}: no worker has started with HUBLIFY_SWEEP_INTERVAL set yet.`,
        ),
      );
      return;
    }
    done(new Outcome(EXIT_CODES.ok, { channel, ...state }, sweepText(state)));
  });

  const pull = program
    .command('pull')
    .description('Apicbase pull mode: the schedule that polls Apicbase for new orders')
    .addHelpText('after', EXIT_CODES_HELP);
  leaf(
    pull,
    'status',
    'the pull schedule: interval, paused or not, next poll, and its cursor decoded (the orders placed since then are listed next)',
  ).action(async () => {
    const state = await withOps((ctx) => readPullScheduleState(ctx.client));
    if (!state) {
      done(
        new Outcome(
          EXIT_CODES.failed,
          { schedule: null },
          'No pull schedule: no worker has started in pull mode (APICBASE_MODE=pull) on this Temporal yet.',
        ),
      );
      return;
    }
    done(new Outcome(EXIT_CODES.ok, state, pullText(state)));
  });

  leaf(
    program,
    'doctor',
    'check the configuration, customer directory, Temporal, Hublify (stats) and the Apicbase token',
  )
    .option(
      '--server <url>',
      "ask the running relay at this base URL (its admin API, GET /admin/doctor, with ADMIN_TOKEN) instead of checking this CLI's own settings; default ORDER_RELAY_ADMIN_URL",
    )
    .action(async (opts: { server?: string }) => {
      const cfg = getConfig();
      const server = opts.server ?? cfg.ORDER_RELAY_ADMIN_URL;
      if (server) {
        const report = await askRelayDoctor(server, cfg.ADMIN_TOKEN, DOCTOR_SERVER_TIMEOUT_MS);
        const source: DoctorSource = { checkedBy: 'relay', server };
        done(new Outcome(doctorExitCode(report), { ...source, ...report }, doctorText(report, source)));
        return;
      }
      let close: (() => Promise<void>) | undefined;
      try {
        const report = await runDoctor({
          config: cfg,
          connect: async () => {
            const ops = await connectOperations(cfg);
            close = () => ops.close();
            return ops.connection;
          },
        });
        const source: DoctorSource = { checkedBy: 'cli' };
        done(new Outcome(doctorExitCode(report), { ...source, ...report }, doctorText(report, source)));
      } finally {
        await close?.().catch(() => undefined);
      }
    });

  return program;
}

/** The lines `pull status` and `sweep status` share: the schedule, its cursor, and its latest start. */
function scheduleStateText(s: ScheduleState, cursor: string, lastStart: 'last poll' | 'last run'): string[] {
  const every = s.everyMs === undefined ? '?' : ms(s.everyMs);
  return [
    `schedule   ${s.scheduleId}: every ${every}${s.paused ? `, PAUSED (${s.note ?? 'no note'})` : ''}${s.nextStart ? `, next ${s.nextStart}` : ''}`,
    `cursor     ${cursor}`,
    `${lastStart.padEnd(11)}${s.recentStarts.at(-1) ?? 'none yet'}`,
  ];
}

function pullText(s: PullScheduleState): string {
  return scheduleStateText(s, s.cursor ?? 'none yet (the first poll lists every open order)', 'last poll').join('\n');
}

function sweepText(s: SweepState): string {
  const cursor = `${s.cursor} (the next sweep lists changes since then, less HUBLIFY_SWEEP_OVERLAP)`;
  const l = s.last;
  return [
    ...scheduleStateText(s, cursor, 'last run'),
    l
      ? `last good  ${l.at}: ${l.listed} listed (${l.search}, ${plural(l.listCalls, 'call')}${l.narrowedTo ? `, capped: asked per state` : ''}), ` +
        `${l.ending} shipped or cancelled: ${l.signalled} orders told, ${l.ignored} not tracked${l.ambiguous ? `, ${l.ambiguous} ambiguous` : ''}`
      : 'last good  none yet',
  ].join('\n');
}

/** What most likely fixes "Temporal unreachable": the dev server of `npm start`, or TEMPORAL_ADDRESS. */
function unreachableHint(env: NodeJS.ProcessEnv): string {
  return env.TEMPORAL_ADDRESS
    ? `check TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS} (and TEMPORAL_NAMESPACE); unset it to use the dev server \`npm start\` runs`
    : 'TEMPORAL_ADDRESS is not set, so the CLI looks for the dev server `npm start` runs (127.0.0.1:7233 or TEMPORAL_DEV_PORT): is `npm start` running? For a cluster, set TEMPORAL_ADDRESS';
}

function isJson(argv: string[]): boolean {
  return argv.includes('--json');
}

/** Runs the CLI; resolves with the exit code (never exits the process itself). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // Everything after `temporal` belongs to the Temporal CLI, options included.
  if (argv[0] === 'temporal') return runTemporalCli(argv.slice(1), io);
  const json = isJson(argv);
  let outcome: Outcome | undefined;
  const program = buildProgram(io, (o) => (outcome = o));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_CODES.ok;
      if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
      return EXIT_CODES.usage; // commander already printed what was wrong
    }
    const e =
      err instanceof ConfigError
        ? new OperationError('config', 'invalid configuration', err.problems)
        : toOperationError(err);
    const code = exitCodeFor(e.kind);
    if (e.kind === 'unavailable') e.problems.push(unreachableHint(io.env));
    if (json)
      io.out(
        `${JSON.stringify({ error: e.message, kind: e.kind, exitCode: code, ...(e.problems.length ? { problems: e.problems } : {}) }, null, 2)}\n`,
      );
    io.err(`order-relay: ${e.message}\n${e.problems.map((p) => `  - ${p}\n`).join('')}`);
    return code;
  }
  if (!outcome) {
    // A group without a subcommand (e.g. `order-relay orders`): show its help.
    program.outputHelp();
    return EXIT_CODES.usage;
  }
  if (outcome.streamed) {
    if (outcome.text) io.out(`${outcome.text}\n`);
  } else {
    io.out(json ? `${JSON.stringify(outcome.json, null, 2)}\n` : `${outcome.text}\n`);
  }
  return outcome.code;
}

/** The process entry (bin/order-relay.cjs and `npm run cli`). */
export function main(argv: string[] = process.argv.slice(2)): void {
  const io: CliIo = {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    env: process.env,
  };
  // `order-relay orders list | head`: a reader that stops early is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
  runCli(argv, io).then(
    (code) => {
      process.exitCode = code;
      // Everything is closed by now; should anything still hold the event loop, do not hang.
      setTimeout(() => process.exit(code), 5_000).unref();
    },
    (err: unknown) => {
      process.stderr.write(`order-relay: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT_CODES.failed;
    },
  );
}

if (require.main === module) main();
