// What the command-line tools tell a newcomer who asks for help or mistypes an option, run as processes
// (issue 26.8, 26.14): `npm run demo -- --help` lists every option of the demo, and a malformed --item is
// reported once, with exit code 2, before anything is placed or any order is touched.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runDemoProcess, runOrderRelayBin } from './helpers/cli-process';

const occurrences = (text: string, part: string) => text.split(part).length - 1;

void describe('command-line usage', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'order-relay-cli-usage-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  // Nothing listens on port 9: a demo that got past its options would fail reaching the sandbox instead.
  const env = {
    PATH: process.env.PATH ?? '',
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    TEMPORAL_ADDRESS: '127.0.0.1:9',
  };

  void it('`npm run demo -- --help` lists every option of the demo', async () => {
    const r = await runDemoProcess(['--help'], env);
    assert.equal(r.code, 0, r.stderr);
    for (const option of [
      '--customer <number>',
      '--item <article:quantity>',
      '--via <delivery>',
      '--timeout <duration>',
      '--no-ship',
      '--apicbase-sandbox <url>',
      '--hublify-sandbox <url>',
      '--temporal <address>',
      '--namespace <namespace>',
    ]) {
      assert.ok(r.stdout.includes(option), `--help lists ${option}:\n${r.stdout}`);
    }
    assert.match(r.stdout, /pull needs APICBASE_MODE/, 'with what each option does');
  });

  void it('a malformed --item of the demo is reported once, exit 2, and nothing is placed', async () => {
    const r = await runDemoProcess(['--item', 'EK00001', '--apicbase-sandbox', 'http://127.0.0.1:9'], env);
    assert.equal(r.code, 2, `usage error exits 2: ${r.stdout}${r.stderr}`);
    assert.equal(occurrences(r.stderr, "argument 'EK00001' is invalid"), 1, `the error once:\n${r.stderr}`);
    assert.match(r.stderr, /--item.*ARTICLE:QUANTITY/);
    assert.doesNotMatch(r.stdout + r.stderr, /cannot reach|Apicbase \(sandbox/, 'stopped before placing anything');
  });

  void it('a malformed --item of `orders amend` is reported once, exit 2, before Temporal is asked', async () => {
    const r = await runOrderRelayBin(['orders', 'amend', 'PO-1', '--item', 'EK00001'], env);
    assert.equal(r.code, 2, `usage error exits 2: ${r.stdout}${r.stderr}`);
    assert.equal(occurrences(r.stderr, '--item "EK00001"'), 1, `the error once:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /unreachable|127\.0\.0\.1:9/, 'stopped before connecting');
  });

  void it('two malformed options of `orders amend` are both reported, each once', async () => {
    const r = await runOrderRelayBin(['orders', 'amend', 'PO-1', '--item', 'EK00001', '--set', 'nofield'], env);
    assert.equal(r.code, 2, `usage error exits 2: ${r.stdout}${r.stderr}`);
    assert.equal(occurrences(r.stderr, '--item "EK00001"'), 1, `each error once:\n${r.stderr}`);
    assert.equal(occurrences(r.stderr, '--set "nofield"'), 1, `each error once:\n${r.stderr}`);
  });
});
