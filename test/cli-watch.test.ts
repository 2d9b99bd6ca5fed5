// `orders list --needs-attention / --overdue` say why and since when, and `orders watch` follows
// stage changes live: the CLI run as a child process against a real Temporal dev server, the Hublify
// sandbox and the relay's worker (issue 16, point 5).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { changeLine } from '../src/cli/order-change-text';
import type { OperationsContext } from '../src/operations/context';
import { watchOrders, type OrderChange } from '../src/operations/watch-orders';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import type { OrderStage, OrderStatus } from '../workflows/order-status';
import { runCliJson, runCliProcess, startCliStream, type CliStream } from './helpers/cli-process';
import { startTestOrder, stageIs, waitForStatus } from './helpers/orders';
import { orderWithUnknownArticle, sampleOrder } from './helpers/sample-order';
import { startTestSystem, type TestSystem } from './helpers/system';
import { inStage, waitForVisible } from './helpers/visibility';

const slowPolls = { pollSchedule: parsePollSchedule('1h') };
const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();
const shortInstant = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Explained {
  workflowId: string;
  orderNumber: string;
  stage: string;
  since: string | null;
  failureType: string | null;
  why: string | null;
}

/** When the order entered its current stage, by its own status. */
function enteredAt(status: OrderStatus): string {
  let at = status.history.at(-1)!.at;
  for (let i = status.history.length - 1; i >= 0 && status.history[i]!.stage === status.stage; i--)
    at = status.history[i]!.at;
  return at;
}

/**
 * An operations context whose visibility answers from `rounds` (one stage per round, lagging behind
 * the workflow) while the status query answers the workflow's own stage of that round; ends the watch after the last round.
 */
function laggingVisibility(
  rounds: Array<{ visible: OrderStage; actual: OrderStage }>,
  stop: AbortController,
): OperationsContext {
  let round = -1;
  const stages: OrderStage[] = ['RECEIVED', 'VERIFIED', 'INJECTED', 'WAITING_FOR_SHIPMENT'];
  const statusOf = (stage: OrderStage): Partial<OrderStatus> => ({
    stage,
    overdue: false,
    lastError: null,
    history: stages
      .slice(0, stages.indexOf(stage) + 1)
      .map((s, i) => ({ stage: s, at: `2026-12-07T10:00:0${i}.000Z` })),
  });
  const attributes = (stage: OrderStage) => ({
    get: (key: { name: string }) =>
      ({ OrderStage: stage, OrderNumber: 'PO-LAG-1', CustomerNumber: 'CUST-001' })[key.name],
  });
  const client = {
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
    workflow: {
      // eslint-disable-next-line @typescript-eslint/require-await
      list: async function* () {
        round = Math.min(round + 1, rounds.length - 1);
        if (round === rounds.length - 1) stop.abort();
        yield {
          workflowId: 'apicbase-order-lag-1',
          runId: 'r1',
          typedSearchAttributes: attributes(rounds[round]!.visible),
          status: { name: 'RUNNING' },
          startTime: new Date('2026-12-07T10:00:00Z'),
        };
      },
      getHandle: () => ({ query: () => Promise.resolve(statusOf(rounds[round]!.actual)) }),
    },
  };
  return {
    client,
    namespace: 'default',
    taskQueue: 'order-relay',
    webUiBaseUrl: undefined,
    settings: () => ({}),
  } as unknown as OperationsContext;
}

void describe('orders watch: changes in order when visibility lags behind the workflow', () => {
  void it('never prints a later stage and then an earlier transition (issue 26.9)', async () => {
    const stop = new AbortController();
    // Round 1 visibility still says RECEIVED while the workflow is VERIFIED; round 2 it caught up; round 3 the order moved on; round 4 ends the watch.
    const ctx = laggingVisibility(
      [
        { visible: 'RECEIVED', actual: 'VERIFIED' },
        { visible: 'VERIFIED', actual: 'VERIFIED' },
        { visible: 'WAITING_FOR_SHIPMENT', actual: 'WAITING_FOR_SHIPMENT' },
        { visible: 'WAITING_FOR_SHIPMENT', actual: 'WAITING_FOR_SHIPMENT' },
      ],
      stop,
    );
    const printed: OrderChange[] = [];
    const count = await watchOrders(
      ctx,
      {},
      { intervalMs: 1, signal: stop.signal, onChanges: (changes) => printed.push(...changes) },
    );
    assert.deepEqual(
      printed.map((c) => [c.previousStage, c.stage]),
      [
        [null, 'VERIFIED'],
        ['VERIFIED', 'WAITING_FOR_SHIPMENT'],
      ],
      printed.map(changeLine).join('\n'),
    );
    assert.equal(count, 2);
    assert.match(
      changeLine(printed[1]!),
      / {2}PO-LAG-1 {2}CUST-001 {2}VERIFIED → WAITING_FOR_SHIPMENT {2}since 2026-12-07T10:00:03Z/,
    );
  });
});

void describe('order-relay orders list (why, since) and orders watch', () => {
  let system: TestSystem;
  const streams: CliStream[] = [];
  before(async () => {
    system = await startTestSystem();
  });
  after(async () => {
    for (const s of streams) s.kill();
    await system?.close();
  });

  const runJson = <T>(args: string[]): Promise<T> => runCliJson<T>(system, args);

  void it('`--needs-attention` and `--overdue` show the failure type, the reason and when the order entered its stage (JSON and text)', async () => {
    const stuck = orderWithUnknownArticle({ expected_delivery_date: inAWeek() });
    const stuckHandle = await startTestOrder(system, stuck, slowPolls);
    const late = sampleOrder({ expected_delivery_date: new Date(Date.now() - 86_400_000).toISOString() });
    const lateHandle = await startTestOrder(system, late, { pollSchedule: parsePollSchedule('1s*3,1h') });
    const stuckStatus = await waitForStatus(stuckHandle, stageIs('NEEDS_ATTENTION'));
    const lateStatus = await waitForStatus(lateHandle, stageIs('OVERDUE'));
    await waitForVisible(system.relay.client, inStage(stuckHandle.workflowId, 'NEEDS_ATTENTION'));
    await waitForVisible(system.relay.client, inStage(lateHandle.workflowId, 'OVERDUE'));

    const attention = await runJson<{ orders: Explained[] }>(['orders', 'list', '--needs-attention']);
    const s = attention.orders.find((o) => o.workflowId === stuckHandle.workflowId);
    assert.ok(s, JSON.stringify(attention));
    assert.equal(s.failureType, 'HublifyRejected');
    assert.match(String(s.why), /^Hublify rejected the order: .*NO-SUCH-ITEM/);
    assert.equal(s.since, enteredAt(stuckStatus));
    assert.equal(s.since, stuckStatus.history.find((h) => h.stage === 'NEEDS_ATTENTION')?.at);

    const overdue = await runJson<{ orders: Explained[] }>(['orders', 'list', '--overdue']);
    const l = overdue.orders.find((o) => o.workflowId === lateHandle.workflowId);
    assert.ok(l, JSON.stringify(overdue));
    assert.equal(l.failureType, 'DeliveryOverdue');
    assert.match(String(l.why), /expected delivery .* passed/);
    assert.equal(l.since, enteredAt(lateStatus));

    // Text: a SINCE and a WHY column.
    const text = await runCliProcess(system, ['orders', 'list', '--needs-attention', '--overdue']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ORDER +CUSTOMER +STAGE +SINCE +HUBLIFY +WORKFLOW ID +WHY$/m);
    assert.match(
      text.stdout,
      new RegExp(
        `^${escape(stuck.order_number)} +CUST-001 +NEEDS_ATTENTION +${escape(shortInstant(s.since))} +- +${stuckHandle.workflowId} +HublifyRejected: Hublify rejected the order`,
        'm',
      ),
    );
    assert.match(
      text.stdout,
      new RegExp(
        `^${escape(late.order_number)} +CUST-001 +OVERDUE +${escape(shortInstant(l.since))} +\\S+ +${lateHandle.workflowId} +DeliveryOverdue: expected delivery`,
        'm',
      ),
    );
    // A plain list stays the quick visibility table.
    const plain = await runCliProcess(system, ['orders', 'list']);
    assert.match(plain.stdout, /^ORDER +CUSTOMER +STAGE +HUBLIFY +TEMPORAL +STARTED +WORKFLOW ID$/m);
    await stuckHandle.cancel();
    await lateHandle.cancel();
  });

  void it('`orders watch` prints a line for each stage change (stage, since, why); `--json` one object a line; Ctrl-C ends it', async () => {
    const watch = startCliStream(system, ['orders', 'watch', '--interval', '200ms']);
    const watchJson = startCliStream(system, ['orders', 'watch', '--needs-attention', '--interval', '200ms', '--json']);
    streams.push(watch, watchJson);
    await watch.waitForLine((l) => l.startsWith('Watching orders'), 'the heading');

    const stuck = orderWithUnknownArticle({ expected_delivery_date: inAWeek() });
    const handle = await startTestOrder(system, stuck, slowPolls);
    const status = await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    const since = shortInstant(enteredAt(status));
    const number = escape(stuck.order_number);

    // Text: the order in NEEDS_ATTENTION, since when, and why.
    await watch.waitForLine(
      (l) =>
        new RegExp(
          `^\\d\\d:\\d\\d:\\d\\d  ${number}  CUST-001  (\\S+ → )?NEEDS_ATTENTION  since ${escape(since)}  · HublifyRejected: Hublify rejected the order`,
        ).test(l),
      'NEEDS_ATTENTION with since and why',
    );
    // JSON: the same, as an object a line.
    const parse = (l: string) =>
      JSON.parse(l) as Explained & { previousStage: string | null; leftFilter?: boolean; execution: string };
    const jsonLine = await watchJson.waitForLine((l) => l.includes(handle.workflowId), 'the order as JSON');
    const first = parse(jsonLine);
    assert.deepEqual(
      [first.stage, first.failureType, first.since],
      ['NEEDS_ATTENTION', 'HublifyRejected', enteredAt(status)],
    );

    // Support replaces the article: the order leaves NEEDS_ATTENTION and waits for its shipment.
    const amended = await runCliProcess(system, ['orders', 'amend', stuck.order_number, '--item', 'EK00001:2']);
    assert.equal(amended.code, 0, amended.stderr);
    const waiting = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    await watch.waitForLine(
      (l) =>
        new RegExp(
          `  ${number}  CUST-001  \\S+ → WAITING_FOR_SHIPMENT  since ${escape(shortInstant(enteredAt(waiting)))}`,
        ).test(l),
      'the change to WAITING_FOR_SHIPMENT',
    );
    // The JSON watch of NEEDS_ATTENTION says the order left it, and where it went.
    const left = parse(
      await watchJson.waitForLine(
        (l) => l.includes(handle.workflowId) && parse(l).leftFilter === true,
        'the order leaving the filter',
      ),
    );
    assert.equal(left.previousStage, 'NEEDS_ATTENTION');
    assert.notEqual(left.stage, 'NEEDS_ATTENTION');

    // Shipped: the run completes, and the watch shows it.
    system.sandbox.ship(stuck.order_number, {
      shipments: [{ carrier: 'dhl', carrierName: 'DHL', trackingCode: 'JJD-WATCH-1' }],
    });
    assert.equal((await runCliProcess(system, ['orders', 'poll', stuck.order_number])).code, 0);
    // The stage may change a moment before the run completes (its final stage is recorded first): then the
    // watch prints the change, and the completion on a line of its own.
    await watch.waitForLine(
      (l) => new RegExp(`  ${number}  CUST-001  \\S+ → SHIPPED( \\[COMPLETED\\])?  since `).test(l),
      'the change to SHIPPED',
    );
    await watch.waitForLine(
      (l) => new RegExp(`  ${number}  CUST-001  (\\S+ → )?SHIPPED \\[COMPLETED\\]  since `).test(l),
      'the run completed SHIPPED',
    );

    // Ctrl-C ends both: exit 0; the JSON watch printed nothing but JSON lines.
    const ended = await watch.interrupt();
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stdout, /Stopped watching \(\d+ changes? shown\)\.\n$/);
    const endedJson = await watchJson.interrupt();
    assert.equal(endedJson.code, 0, endedJson.stderr);
    for (const line of endedJson.stdout.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), line);
  });
});
