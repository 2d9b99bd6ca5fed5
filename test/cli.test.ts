// The operator CLI `order-relay`, run as a subprocess (as an operator would) against the running
// system: a real Temporal dev server, the Hublify sandbox and the relay's worker. Every command,
// its JSON and text output, and its exit codes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApicbaseOrder } from '../src/apicbase/order';
import { parsePollSchedule } from '../src/orders/poll-schedule-spec';
import type { OrderStatus } from '../workflows/order-status';
import { orderWithUnknownArticle, sampleOrder } from './helpers/sample-order';
import { SHORT_INJECT_RETRY, startTestOrder, stageIs, waitForStatus } from './helpers/orders';
import { cliEnv as operatorEnv } from './helpers/cli-process';
import { TEST_CHANNEL_TOKEN, TEST_WEBHOOK_SECRET, useTestSystem } from './helpers/system';
import { inStage, waitForVisible } from './helpers/visibility';
import { PATIENCE_MS } from './helpers/patience';

const root = path.resolve(__dirname, '..');
const slowPolls = { pollSchedule: parsePollSchedule('1h') };
const shortInjectRetry = { injectRetry: SHORT_INJECT_RETRY };
const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();
const stages = (s: { history?: OrderStatus['history'] }) => (s.history ?? []).map((h) => h.stage);

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

void describe('order-relay CLI', () => {
  const system = useTestSystem();
  let work: string;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'order-relay-cli-'));
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The environment an operator's shell would have: the same variables as the relay's. */
  const cliEnv = (): Record<string, string> => operatorEnv(system);

  const run = (
    args: string[],
    env: Record<string, string> = {},
    entry = ['--import', 'tsx', 'src/cli/order-relay.ts'],
  ): Promise<CliRun> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...entry, ...args], {
        cwd: root,
        env: { ...cliEnv(), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      // A safety net for a hung process, not a speed bound: the tests' own patience.
      const killer = setTimeout(() => child.kill('SIGKILL'), PATIENCE_MS);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(killer);
        resolve({ code, stdout, stderr });
      });
    });

  /** Runs with --json and parses stdout; asserts the exit code. */
  const runJson = async <T = Record<string, unknown>>(
    args: string[],
    expectedCode = 0,
    env: Record<string, string> = {},
  ): Promise<T> => {
    const r = await run([...args, '--json'], env);
    assert.equal(
      r.code,
      expectedCode,
      `order-relay ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
    return JSON.parse(r.stdout) as T;
  };

  const writeJson = (name: string, value: unknown) => {
    const file = path.join(work, name);
    writeFileSync(file, JSON.stringify(value, null, 2));
    return file;
  };

  const closedPort = async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    return port;
  };

  const order = (overrides: Partial<ApicbaseOrder> = {}) =>
    sampleOrder({ expected_delivery_date: inAWeek(), ...overrides });

  void it('--help on every command, with the exit codes; the bin launcher runs it', async () => {
    const commands = [
      [],
      ['orders'],
      ['orders', 'list'],
      ['orders', 'watch'],
      ['orders', 'show'],
      ['orders', 'cancel'],
      ['orders', 'retry'],
      ['orders', 'poll'],
      ['orders', 'amend'],
      ['orders', 'replay'],
      ['customers'],
      ['customers', 'check'],
      ['sweep'],
      ['sweep', 'status'],
      ['pull'],
      ['pull', 'status'],
      ['doctor'],
    ];
    // Four at a time: seventeen CLI processes at once starve each other on a loaded two-core machine.
    const runs: CliRun[] = [];
    for (let i = 0; i < commands.length; i += 4)
      runs.push(...(await Promise.all(commands.slice(i, i + 4).map((c) => run([...c, '--help'])))));
    runs.forEach((r, i) => {
      const name = ['order-relay', ...commands[i]!].join(' ');
      assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Usage: ${name}`));
      assert.match(r.stdout, /Exit codes:[\s\S]*3 {2}order not found[\s\S]*4 {2}Temporal unreachable/);
    });
    assert.match(runs[2]!.stdout, /--needs-attention/);
    assert.match(runs[3]!.stdout, /--interval <duration>[\s\S]*Ctrl-C ends the watch/);
    assert.match(runs[8]!.stdout, /--set <field=value>[\s\S]*--item <article:quantity>/);

    const viaBin = await run(['orders', '--help'], {}, ['bin/order-relay.cjs']);
    assert.equal(viaBin.code, 0, viaBin.stderr);
    assert.match(viaBin.stdout, /Usage: order-relay orders/);

    // Usage errors: exit 2.
    assert.equal((await run(['orders', 'show'])).code, 2, 'missing argument');
    assert.equal((await run(['orders', 'list', '--no-such-option'])).code, 2, 'unknown option');
    const badStage = await run(['orders', 'list', '--stage', 'LOST']);
    assert.equal(badStage.code, 2);
    assert.match(badStage.stderr, /unknown stage "LOST"/);
  });

  void it('a stuck order: found by `orders list --needs-attention`, shown, amended (refused while Hublify is down), retried, amended again, polled, shipped', async () => {
    const normal = order();
    const normalHandle = await startTestOrder(system, normal, slowPolls);
    const stuckOrder = orderWithUnknownArticle({ expected_delivery_date: inAWeek() });
    const handle = await startTestOrder(system, stuckOrder, { ...slowPolls, ...shortInjectRetry });
    await waitForStatus(normalHandle, stageIs('WAITING_FOR_SHIPMENT'));
    await waitForStatus(handle, stageIs('NEEDS_ATTENTION'));
    await waitForVisible(system.relay.client, inStage(handle.workflowId, 'NEEDS_ATTENTION'));
    await waitForVisible(system.relay.client, inStage(normalHandle.workflowId, 'WAITING_FOR_SHIPMENT'));

    // Found among the orders that need attention, and only there.
    const stuck = await runJson<{
      query: string;
      orders: Array<{ workflowId: string; orderNumber: string; stage: string; webUi?: string }>;
    }>(['orders', 'list', '--needs-attention']);
    const found = stuck.orders.find((o) => o.workflowId === handle.workflowId);
    assert.ok(found, JSON.stringify(stuck));
    assert.equal(found.orderNumber, stuckOrder.order_number);
    assert.ok(stuck.orders.every((o) => o.stage === 'NEEDS_ATTENTION'));
    assert.ok(!stuck.orders.some((o) => o.workflowId === normalHandle.workflowId));
    assert.equal(found.webUi, `http://127.0.0.1:8233/namespaces/default/workflows/${handle.workflowId}`);
    // The other filters narrow the same way; the text view is a table.
    const byCustomer = await runJson<{ orders: Array<{ workflowId: string }> }>([
      'orders',
      'list',
      '--customer',
      'CUST-001',
      '--since',
      '10m',
      '--stage',
      'WAITING_FOR_SHIPMENT,NEEDS_ATTENTION',
    ]);
    const ids = byCustomer.orders.map((o) => o.workflowId);
    assert.ok(ids.includes(handle.workflowId) && ids.includes(normalHandle.workflowId), JSON.stringify(ids));
    const future = await runJson<{ orders: unknown[] }>(['orders', 'list', '--since', '2099-01-01']);
    assert.deepEqual(future.orders, []);
    const table = await run(['orders', 'list', '--needs-attention']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ORDER +CUSTOMER +STAGE +SINCE +HUBLIFY +WORKFLOW ID +WHY/m);
    assert.match(
      table.stdout,
      new RegExp(
        `${stuckOrder.order_number} +CUST-001 +NEEDS_ATTENTION +\\S+Z +- +${handle.workflowId} +HublifyRejected`,
      ),
    );

    // Shown by order number and by Apicbase id: the last error says what Hublify refused.
    const shown = await runJson<Record<string, unknown> & { history: OrderStatus['history'] }>([
      'orders',
      'show',
      stuckOrder.order_number,
    ]);
    assert.equal(shown.workflowId, handle.workflowId);
    assert.equal(shown.stage, 'NEEDS_ATTENTION');
    assert.match(String(shown.lastError), /Hublify rejected the order: .*NO-SUCH-ITEM/);
    assert.deepEqual(stages(shown), ['RECEIVED', 'VERIFIED', 'NEEDS_ATTENTION']);
    assert.equal(shown.webUi, `http://127.0.0.1:8233/namespaces/default/workflows/${handle.workflowId}`);
    assert.equal((await runJson(['orders', 'show', stuckOrder.id])).workflowId, handle.workflowId);
    const text = await run(['orders', 'show', stuckOrder.id]);
    assert.match(text.stdout, /Stage: +NEEDS_ATTENTION/);
    assert.match(text.stdout, /Last error: +Hublify rejected the order/);
    assert.match(text.stdout, /Hublify: +not in Hublify yet/);
    // The address comes from the mapped order (the customer directory's CUST-001).
    assert.match(
      text.stdout,
      /Invoice to: +Gasthaus Zum Löwen GmbH · Jürgen Bäcker · Müllerstraße 12a · 80469 München · DE/,
    );
    assert.deepEqual((shown.addresses as { deliver: Record<string, string> }).deliver.street, 'Müllerstraße');
    // What Hublify was sent (the `request` query): the items and the comment, in JSON and text (issue 26.3).
    const sentItems = (o: Record<string, unknown>) =>
      (o.items as Array<{ article: string; name: string; quantity: number }> | undefined)?.map((i) => [
        i.article,
        i.name,
        i.quantity,
      ]);
    assert.deepEqual(sentItems(shown), [['NO-SUCH-ITEM', 'Unbekannter Artikel', 1]]);
    assert.match(
      String(shown.comment),
      new RegExp(`^Apicbase order ${stuckOrder.order_number} \\(id ${stuckOrder.id}\\)\nOrdered by: chef\\.müller`),
    );
    assert.match(
      text.stdout,
      /Items \(as Hublify was sent them\):\n +ARTICLE +NAME +QTY +PRICE \(GROSS\) +VAT %\n[ -]+\n +NO-SUCH-ITEM +Unbekannter Artikel +1 /,
    );
    assert.match(
      text.stdout,
      new RegExp(
        `^Comment: +Apicbase order ${stuckOrder.order_number} \\(id ${stuckOrder.id}\\)\n +Ordered by: chef\\.müller`,
        'm',
      ),
    );

    // An amendment the workflow cannot take is a usage error, checked before anything is sent.
    const badAmend = await runJson<{ kind: string; problems: string[] }>(
      ['orders', 'amend', stuckOrder.order_number, '--set', 'o_orderid_external=X'],
      2,
    );
    assert.equal(badAmend.kind, 'usage');
    assert.match(badAmend.problems.join(), /o_orderid_external cannot be amended/);
    // Said once, as a usage error: not "rejected" (nothing reached the order or Hublify).
    const badAmendText = await run(['orders', 'amend', stuckOrder.order_number, '--set', 'o_orderid_external=X']);
    assert.equal(badAmendText.stderr.match(/o_orderid_external cannot be amended/g)?.length, 1, badAmendText.stderr);
    assert.doesNotMatch(badAmendText.stderr, /rejected/);
    assert.equal(
      (await run(['orders', 'amend', stuckOrder.order_number, '--item', 'EK00001'])).code,
      2,
      'item without quantity',
    );

    // Hublify is down while support replaces the unknown article: the attempt that carried it failed, so the
    // amendment is pending (exit 0) — Hublify holds nothing, and the next attempt sends it (issue 22 item 8).
    system.sandbox.injectFault({ kind: 'http500', forMs: 60_000, verbs: ['order_create'] });
    const pending = await runJson<{
      outcome: string;
      updated: string[];
      refused: string[];
      pendingFields: string[];
      messages: string[];
    }>(['orders', 'amend', stuckOrder.order_number, '--item', 'EK00001:2', '--note', 'article replaced']);
    assert.equal(pending.outcome, 'pending');
    assert.deepEqual([pending.refused, pending.pendingFields], [[], ['orderitems']]);
    assert.match(pending.messages.join(), /could not be reached.*next injection attempt sends orderitems/);
    assert.equal((await waitForStatus(handle, stageIs('NEEDS_ATTENTION'))).hublify, null);

    // Hublify is back: `orders retry` injects the corrected order.
    system.sandbox.clearFaults();
    const retried = await runJson<{ signalled: string; stage: string }>([
      'orders',
      'retry',
      stuckOrder.order_number,
      '--note',
      'Hublify is back',
    ]);
    assert.deepEqual([retried.signalled, retried.stage], ['retry', 'NEEDS_ATTENTION']);
    const waiting = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    const inHublify = system.sandbox.orders().filter((o) => o.o_orderid_external === stuckOrder.order_number);
    assert.equal(inHublify.length, 1);
    const items = inHublify[0]!.order.orderitems as Array<{ oi_pcode: string; oi_quantity: number }>;
    assert.deepEqual(
      items.map((i) => [i.oi_pcode, i.oi_quantity]),
      [['EK00001', 2]],
    );

    // Once in Hublify, amend runs order_update: what Hublify updated and what it refused (exit 1).
    const updated = await runJson<{ outcome: string; updated: string[]; refused: string[] }>(
      ['orders', 'amend', stuckOrder.id, '--set', 'deliver_street=Neue Straße', '--set', 'st_label=rush'],
      1,
    );
    assert.equal(updated.outcome, 'updated');
    assert.ok(updated.updated.includes('deliver_street'), JSON.stringify(updated));
    assert.deepEqual(updated.refused, ['st_label']);
    assert.equal(
      system.sandbox.orders().find((o) => o.o_orderid_external === stuckOrder.order_number)?.order.deliver_street,
      'Neue Straße',
    );
    const amendedText = await run(['orders', 'amend', stuckOrder.id, '--set', 'o_comment=Hintereingang']);
    assert.equal(amendedText.code, 0, amendedText.stderr);
    assert.match(amendedText.stdout, /updated: o_comment/);

    // Shipped in the warehouse; the order polls only hourly, so `orders poll` is what brings it home.
    system.sandbox.ship(stuckOrder.order_number, {
      shipments: [
        { carrier: 'dhl', carrierName: 'DHL', trackingCode: 'JJD-CLI-1', traceUrl: 'https://track.example/JJD-CLI-1' },
      ],
    });
    const polled = await runJson<{ signalled: string }>(['orders', 'poll', stuckOrder.order_number]);
    assert.equal(polled.signalled, 'pollNow');
    assert.equal((await handle.result()).stage, 'SHIPPED');
    // Polling it again says it already shipped: not an error (exit 0), nothing sent.
    const again = await run(['orders', 'poll', stuckOrder.order_number]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already shipped: nothing to poll/);
    const done = await runJson<
      Record<string, unknown> & {
        history: OrderStatus['history'];
        shipments: Array<{ trackingCode: string }>;
        hublify: { orderId: string };
      }
    >(['orders', 'show', stuckOrder.order_number]);
    assert.equal(done.stage, 'SHIPPED');
    assert.equal(done.execution, 'COMPLETED');
    assert.equal(done.hublify.orderId, waiting.hublify?.orderId);
    assert.deepEqual(
      done.shipments.map((s) => s.trackingCode),
      ['JJD-CLI-1'],
    );
    // NEEDS_ATTENTION repeats: the failed attempts, the amendment and the retry (with their notes) are each recorded.
    assert.deepEqual(
      stages(done)
        .filter((s, i, all) => s !== all[i - 1])
        .slice(0, 4),
      ['RECEIVED', 'VERIFIED', 'NEEDS_ATTENTION', 'INJECTED'],
    );
    assert.ok(
      done.history.some((h) => /note: article replaced/.test(h.detail ?? '')),
      'the amend note is in the stage history',
    );
    assert.ok(
      done.history.some((h) => /note: Hublify is back/.test(h.detail ?? '')),
      'the retry note is in the stage history',
    );
    assert.equal(stages(done).at(-1), 'SHIPPED');
    // The amended delivery street (order_update) shows; the invoice address is unchanged.
    const addresses = (
      done as unknown as { addresses: { invoice: Record<string, string>; deliver: Record<string, string> } }
    ).addresses;
    assert.equal(addresses.deliver.street, 'Neue Straße');
    assert.equal(addresses.invoice.street, 'Müllerstraße');
    const shippedText = await run(['orders', 'show', stuckOrder.order_number]);
    assert.match(shippedText.stdout, /Shipments:\n +TRACKING +CARRIER[\s\S]*JJD-CLI-1 +DHL/);
    assert.match(shippedText.stdout, /Deliver to: +.*Neue Straße 12a · 80469 München/);
    // The items and comment as amended: what Hublify holds now.
    assert.deepEqual(sentItems(done), [['EK00001', null, 2]]);
    assert.equal(done.comment, 'Hintereingang');
    assert.match(shippedText.stdout, /^Comment: +Hintereingang$/m);
    assert.match(shippedText.stdout, /\n +EK00001 +- +2 /);

    // A closed order takes no more signals: exit 1.
    const closed = await runJson<{ kind: string; error: string }>(['orders', 'retry', stuckOrder.order_number], 1);
    assert.equal(closed.kind, 'conflict');
    assert.match(closed.error, /closed \(COMPLETED, stage SHIPPED\)/);
    await normalHandle.cancel();
  });

  void it('`orders list --overdue`, and filter values are quoted, never part of the query', async () => {
    const late = order({ expected_delivery_date: new Date(Date.now() - 86_400_000).toISOString() });
    const lateHandle = await startTestOrder(system, late, { pollSchedule: parsePollSchedule('1s*3,1h') });
    await waitForStatus(lateHandle, stageIs('OVERDUE'));
    await waitForVisible(system.relay.client, inStage(lateHandle.workflowId, 'OVERDUE'));
    const overdue = await runJson<{ orders: Array<{ workflowId: string; stage: string }> }>([
      'orders',
      'list',
      '--overdue',
    ]);
    assert.deepEqual(
      overdue.orders.map((o) => [o.workflowId, o.stage]),
      [[lateHandle.workflowId, 'OVERDUE']],
    );

    // A customer number with an apostrophe and SQL-looking words (unknown, so the order, accepted without a verdict,
    // waits for support as rejected after its 2xx — and is listed).
    const odd = "CU'ST 01 OR 1=1 --";
    const oddHandle = await startTestOrder(system, order({ supplier_customer_number: odd }));
    await waitForVisible(system.relay.client, inStage(oddHandle.workflowId, 'NEEDS_ATTENTION'));
    const listed = await runJson<{ orders: Array<{ workflowId: string; customerNumber: string; stage: string }> }>([
      'orders',
      'list',
      '--customer',
      odd,
    ]);
    assert.deepEqual(
      listed.orders.map((o) => [o.workflowId, o.customerNumber, o.stage]),
      [[oddHandle.workflowId, odd, 'NEEDS_ATTENTION']],
    );
    // An attempt to widen the query is refused (exit 2), as is anything visibility cannot match exactly.
    for (const value of ['x" OR CustomerNumber != "x', 'CU\\0', 'a\nb']) {
      const refused = await runJson<{ kind: string; error: string }>(['orders', 'list', '--customer', value], 2);
      assert.match(refused.error, /cannot be searched for/);
    }
    await lateHandle.cancel();
    await oddHandle.cancel();
  });

  void it('`orders cancel --reason`: refused while Hublify holds the order; `--stop-tracking` stops the relay and says the Hublify order is still live', async () => {
    const o = order();
    const handle = await startTestOrder(system, o, slowPolls);
    await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal((await run(['orders', 'cancel', o.id])).code, 2, '--reason is required');
    assert.equal((await run(['orders', 'cancel', o.id, '--reason', '  '])).code, 2, 'a blank reason is refused');

    // Hublify holds the order and its channel API cannot cancel: refused (exit 1), nothing changes.
    const inHublify = await run(['orders', 'cancel', o.id, '--reason', 'customer phoned: order placed twice']);
    assert.equal(inHublify.code, 1, inHublify.stderr);
    assert.match(
      inHublify.stderr,
      /is in Hublify as ACHN-\d+: cancel it in Hublify; the relay follows Hublify's cancelled state/,
    );
    assert.match(inHublify.stderr, /--stop-tracking/);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    assert.equal((await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'))).stage, 'WAITING_FOR_SHIPMENT');

    const cancelled = await runJson<{
      closed: boolean;
      outcome: string;
      stage: string;
      execution: string;
      reason: string;
    }>(['orders', 'cancel', o.id, '--reason', 'customer phoned: order placed twice', '--stop-tracking']);
    // The run completes with stage CANCELLED (a re-sent webhook cannot revive it); Hublify's order is still live.
    assert.deepEqual(
      [cancelled.closed, cancelled.outcome, cancelled.stage, cancelled.execution],
      [true, 'stopped-tracking', 'CANCELLED', 'COMPLETED'],
    );
    const shown = await runJson<{
      stage: string;
      execution: string;
      cancelReason: string;
      history: OrderStatus['history'];
    }>(['orders', 'show', o.id]);
    assert.equal(shown.stage, 'CANCELLED');
    assert.equal(shown.execution, 'COMPLETED');
    assert.equal(shown.cancelReason, 'customer phoned: order placed twice');
    assert.equal(shown.history.at(-1)?.stage, 'CANCELLED');
    assert.match(shown.history.at(-1)?.detail ?? '', /customer phoned: order placed twice.*STILL LIVE/);
    const text = await run(['orders', 'show', o.id]);
    assert.match(text.stdout, /Cancel reason: customer phoned: order placed twice/);
    assert.ok((await handle.describe()).status.name === 'COMPLETED');

    const again = await runJson<{ kind: string }>(['orders', 'cancel', o.id, '--reason', 'again'], 1);
    assert.equal(again.kind, 'conflict');
  });

  void it('`orders replay <file>` starts a saved payload (source support); a running one is joined; a bad file is exit 2', async () => {
    const o = order();
    const file = writeJson('order.json', o);
    const started = await runJson<{ outcome: string; workflowId: string; orderNumber: string; webUi: string }>([
      'orders',
      'replay',
      file,
    ]);
    assert.deepEqual(
      [started.outcome, started.workflowId, started.orderNumber],
      ['started', `apicbase-order-${o.id}`, o.order_number],
    );
    const handle = system.relay.client.workflow.getHandle(started.workflowId);
    const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'));
    assert.equal(status.source, 'support');
    assert.equal((await runJson<{ outcome: string }>(['orders', 'replay', file])).outcome, 'joined');
    assert.equal((await handle.describe()).status.name, 'RUNNING');

    const broken = writeJson('broken.json', { ...o, id: 'has spaces', packages: undefined });
    const refused = await runJson<{ kind: string; problems: string[] }>(['orders', 'replay', broken], 2);
    assert.equal(refused.kind, 'usage');
    assert.ok(
      refused.problems.some((p) => p.startsWith('id:')),
      refused.problems.join(),
    );
    assert.ok(
      refused.problems.some((p) => p.startsWith('packages:')),
      refused.problems.join(),
    );
    const notJson = path.join(work, 'not.json');
    writeFileSync(notJson, '{"id": ');
    assert.equal((await run(['orders', 'replay', notJson])).code, 2);
    assert.equal((await run(['orders', 'replay', path.join(work, 'missing.json')])).code, 2);
    await handle.cancel();
  });

  void it('not found: exit 3 for every order command; Temporal unreachable: exit 4', async () => {
    const missing = `PO-NOPE-${Date.now()}`;
    const runs = await Promise.all([
      run(['orders', 'show', missing, '--json']),
      run(['orders', 'cancel', missing, '--reason', 'x']),
      run(['orders', 'retry', missing]),
      run(['orders', 'poll', missing]),
      run(['orders', 'amend', missing, '--set', 'o_comment=x']),
    ]);
    for (const r of runs) assert.equal(r.code, 3, r.stderr);
    assert.equal((JSON.parse(runs[0].stdout) as { kind: string }).kind, 'not-found');
    assert.match(runs[1].stderr, /no order with order number or Apicbase id/);

    const port = await closedPort();
    const down = { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_CONNECT_TIMEOUT_MS: '1000' };
    const unreachable = await runJson<{ kind: string; problems: string[] }>(['orders', 'list'], 4, down);
    assert.equal(unreachable.kind, 'unavailable');
    // Which fix is likely: TEMPORAL_ADDRESS is set here, so it names it; without it, `npm start`.
    assert.match(unreachable.problems.join(), new RegExp(`check TEMPORAL_ADDRESS=127\\.0\\.0\\.1:${port}`));
    const { TEMPORAL_ADDRESS: _unset, ...withoutAddress } = cliEnv();
    const devServerDown = await new Promise<CliRun>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/order-relay.ts', 'orders', 'list'], {
        cwd: root,
        env: { ...withoutAddress, TEMPORAL_DEV_PORT: String(port), TEMPORAL_CONNECT_TIMEOUT_MS: '1000' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout: '', stderr }));
    });
    assert.equal(devServerDown.code, 4);
    assert.match(devServerDown.stderr, /is `npm start` running\?/);
    assert.equal((await run(['orders', 'show', 'PO-1'], down)).code, 4);
  });

  void it('`customers check`: a good file passes; a broken one is exit 2 with every problem listed', async () => {
    const good = await runJson<{ valid: boolean; customers: number; customerNumbers: string[] }>([
      'customers',
      'check',
    ]);
    assert.equal(good.valid, true);
    assert.ok(good.customerNumbers.includes('CUST-001'));
    const text = await run(['customers', 'check']);
    assert.match(text.stdout, /customers\.example\.json is valid: \d+ customers/);

    const broken = writeJson('customers.json', {
      customers: {
        'CUST-9': {
          name: 'Broken',
          invoice: {
            gender: 'company',
            company: 'X',
            street: '',
            housenr: '1',
            zip: '1',
            town: 'T',
            country: 'Germany',
          },
        },
      },
    });
    const viaOption = await runJson<{ kind: string; problems: string[] }>(['customers', 'check', '--file', broken], 2);
    assert.equal(viaOption.kind, 'config');
    assert.ok(viaOption.problems.length >= 2, viaOption.problems.join('\n'));
    assert.ok(
      viaOption.problems.some((p) => /customers\.CUST-9\.invoice\.street/.test(p)),
      viaOption.problems.join('\n'),
    );
    assert.ok(
      viaOption.problems.some((p) => /customers\.CUST-9\.invoice\.country/.test(p)),
      viaOption.problems.join('\n'),
    );
    const viaEnv = await run(['customers', 'check'], { CUSTOMER_DIRECTORY_FILE: broken });
    assert.equal(viaEnv.code, 2);
    assert.match(viaEnv.stderr, /invoice\.country/);
    assert.equal((await run(['customers', 'check', '--file', path.join(work, 'nope.json')])).code, 2);
  });

  void it('`doctor`: every check passes against the running system; exit 4 when Temporal is unreachable, 2 on bad configuration', async () => {
    const report = await runJson<{ ok: boolean; checks: Array<{ name: string; status: string; detail: string }> }>([
      'doctor',
    ]);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    assert.equal(report.ok, true);
    assert.equal(byName.temporal?.status, 'ok', byName.temporal?.detail);
    assert.match(byName.temporal?.detail ?? '', /namespace default, search attributes registered/);
    assert.equal(byName.hublify?.status, 'ok', byName.hublify?.detail);
    assert.equal(byName['customer directory']?.status, 'ok');
    assert.equal(byName['apicbase token']?.status, 'skip');
    assert.match(byName['apicbase token']?.detail ?? '', /not configured/);
    const text = await run(['doctor']);
    assert.match(text.stdout, /\[ok {2}\] temporal: /);
    assert.doesNotMatch(
      text.stdout + JSON.stringify(report),
      new RegExp(`${TEST_CHANNEL_TOKEN}|${TEST_WEBHOOK_SECRET}`),
    );

    const port = await closedPort();
    const down = await runJson<{ ok: boolean; checks: Array<{ name: string; status: string }> }>(['doctor'], 4, {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_CONNECT_TIMEOUT_MS: '1000',
    });
    assert.equal(down.checks.find((c) => c.name === 'temporal')?.status, 'fail');
    assert.equal(down.checks.find((c) => c.name === 'hublify')?.status, 'ok');
    // Hublify refusing the token is a failed check (exit 1).
    const wrongToken = await runJson<{ checks: Array<{ name: string; status: string }> }>(['doctor'], 1, {
      HUBLIFY_CHANNEL_TOKEN: 'wrong-token',
    });
    assert.equal(wrongToken.checks.find((c) => c.name === 'hublify')?.status, 'fail');
    const badConfig = await runJson<{ kind: string; problems: string[] }>(['doctor'], 2, {
      HUBLIFY_TIMEOUT_MS: 'soon',
    });
    assert.equal(badConfig.kind, 'config');
    assert.match(badConfig.problems.join(), /HUBLIFY_TIMEOUT_MS/);
  });
});
