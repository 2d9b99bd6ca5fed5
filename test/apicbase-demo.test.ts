// `npm run demo` as a user runs it (a child process) against a running system: one order placed at
// the Apicbase sandbox goes to order-relay, into the Hublify sandbox, is shipped there, and the demo
// ends when its workflow is SHIPPED.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApicbaseTestSystem, type ApicbaseTestSystem } from './helpers/apicbase';
import { runCliProcess } from './helpers/cli-process';
import { PATIENCE_MS } from './helpers/patience';

const root = path.resolve(__dirname, '..');

function runDemo(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'cli', 'demo.ts'), ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** The demo while it runs: wait for a line, then let it finish. */
function startDemo(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'cli', 'demo.ts'), ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const seen = new Set<() => void>();
  const onData = (b: Buffer) => {
    output += b.toString();
    for (const check of seen) check();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      resolve({ code, output });
      for (const check of seen) check();
    });
  });
  let exited = false;
  void exit.then(() => (exited = true));
  return {
    exit,
    output: () => output,
    waitFor: (pattern: RegExp, what: string) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const timer = setTimeout(
          () => settle(() => reject(new Error(`no ${what} within ${PATIENCE_MS} ms:\n${output}`))),
          PATIENCE_MS,
        );
        const settle = (fn: () => void) => {
          clearTimeout(timer);
          seen.delete(check);
          fn();
        };
        const check = () => {
          const m = pattern.exec(output);
          if (m) settle(() => resolve(m));
          else if (exited) settle(() => reject(new Error(`the demo ended without ${what}:\n${output}`)));
        };
        seen.add(check);
        check();
      }),
  };
}

void describe('npm run demo', () => {
  let t: ApicbaseTestSystem;
  before(async () => {
    t = await startApicbaseTestSystem();
  });
  after(async () => {
    await t?.close();
  });
  // The relay's data folder: the demo reads the payload codec's keys there, as beside `npm start`.
  const relayData = () => ({ DATA_DIR: t.system.dataDir });
  const endpoints = () => [
    '--apicbase-sandbox',
    t.apicbase.url,
    '--hublify-sandbox',
    t.system.sandbox.url,
    '--temporal',
    t.system.env.address,
    '--timeout',
    '60s',
  ];

  void it('places an order at the Apicbase sandbox, it reaches Hublify by webhook, is shipped, and ends SHIPPED', async () => {
    const { code, output } = await runDemo(['place-order', ...endpoints()], relayData());
    assert.equal(code, 0, output);
    for (const stage of ['RECEIVED', 'VERIFIED', 'INJECTED', 'WAITING_FOR_SHIPMENT', 'SHIPPED'])
      assert.match(output, new RegExp(`\\s${stage}\\b`), output);
    assert.match(output, /webhook \(signed X-APIC-WEBHOOK-SIGNATURE\): HTTP 200/);
    assert.match(output, /Done: Apicbase order PO-\d{8}-[0-9A-F]{6} → Hublify order ACHN-\d+ → SHIPPED\./);

    const [placed] = t.apicbase.orders();
    assert.equal(placed?.order.status, 'ORDERED');
    const hublify = t.system.sandbox.orders().filter((o) => o.o_orderid_external === placed?.order.order_number);
    assert.equal(hublify.length, 1);
    assert.equal(hublify[0]!.order_state_code, 'shipped');
  });

  void it('--via pull while the relay does not pull: exit 2 with what to do, and nothing is placed', async () => {
    const before = t.apicbase.orders().length;
    const { code, output } = await runDemo(['--via', 'pull', ...endpoints()], relayData());
    assert.equal(code, 2, output);
    assert.match(
      output,
      /--via pull: order-relay .*does not pull from Apicbase.*APICBASE_MODE=pull npm start.*nothing was placed/,
    );
    assert.doesNotMatch(output, /places an order/);
    assert.equal(t.apicbase.orders().length, before, 'no order placed at the Apicbase sandbox');
  });

  void it('a stuck order is reported once, with the commands to run next; the amend it names unsticks it', async () => {
    const demo = startDemo(['--item', 'NO-SUCH-ITEM:1', ...endpoints(), '--timeout', '10m'], relayData()); // support takes its time
    const amendLine = await demo.waitFor(
      /^ +npx order-relay (orders amend PO-\S+ --item EK00001:2)/m,
      'the amend command',
    );
    assert.match(demo.output(), /NEEDS ATTENTION: Hublify rejected the order: .*NO-SUCH-ITEM/);
    assert.match(demo.output(), /npx order-relay orders show PO-\S+/);
    // Run what it says (support, in another terminal): the order is injected again and ships.
    const amended = await runCliProcess(t.system, amendLine[1]!.split(' '));
    assert.equal(amended.code, 0, amended.stderr);
    const { code, output } = await demo.exit;
    assert.equal(code, 0, output);
    assert.match(output, /SHIPPED\./);
    // Reported once, although the demo polled the stuck order many times.
    assert.equal(output.match(/NEEDS ATTENTION:/g)?.length, 1, output);
    assert.equal(output.match(/orders amend/g)?.length, 1, output);
  });

  void it('--via pull: the order waits in Apicbase until the pull schedule fetches it', async () => {
    await t.restartRelay({ APICBASE_MODE: 'pull', APICBASE_POLL_INTERVAL: '1h' }); // the demo polls now
    const { code, output } = await runDemo(
      ['--via', 'pull', '--customer', 'CUST-002', '--item', 'EK00002:3', ...endpoints()],
      relayData(),
    );
    assert.equal(code, 0, output);
    assert.match(output, /left in Apicbase as ORDERED; the pull schedule .* is triggered/);
    assert.match(output, /RECEIVED\s+\(from pull\)/);
    assert.match(output, /SHIPPED/);
  });

  void it('says what is wrong when nothing listens', async () => {
    const { code, output } = await runDemo(['--apicbase-sandbox', 'http://127.0.0.1:9', '--timeout', '5s']);
    assert.equal(code, 1);
    assert.match(output, /cannot reach http:\/\/127\.0\.0\.1:9 .*is `npm start` running\?/);
  });
});
