// `npm run demo` as a user runs it (a child process) against a running system: one order placed at
// the Apicbase sandbox goes to order-relay, into the Hublify sandbox, is shipped there, and the demo
// ends when its workflow is SHIPPED.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApicbaseTestSystem, type ApicbaseTestSystem } from './helpers/apicbase';

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
    for (const stage of ['RECEIVED', 'VERIFIED', 'INJECTED', 'WAITING_FOR_SHIPMENT', 'SHIPPED']) assert.match(output, new RegExp(`\\s${stage}\\b`), output);
    assert.match(output, /webhook \(signed X-APIC-WEBHOOK-SIGNATURE\): HTTP 200/);
    assert.match(output, /Done: Apicbase order PO-\d{8}-[0-9A-F]{6} → Hublify order ACHN-\d+ → SHIPPED\./);

    const [placed] = t.apicbase.orders();
    assert.equal(placed?.order.status, 'ORDERED');
    const hublify = t.system.sandbox.orders().filter((o) => o.o_orderid_external === placed?.order.order_number);
    assert.equal(hublify.length, 1);
    assert.equal(hublify[0]!.order_state_code, 'shipped');
  });

  void it('--via pull: the order waits in Apicbase until the pull schedule fetches it', async () => {
    await t.restartRelay({ APICBASE_MODE: 'pull', APICBASE_POLL_INTERVAL: '1h' }); // the demo polls now
    const { code, output } = await runDemo(['--via', 'pull', '--customer', 'CUST-002', '--item', 'EK00002:3', ...endpoints()], relayData());
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
