// `APICBASE_MODE=pull npm start` against the embedded sandboxes, followed word by word as the banner and
// docs/apicbase.md say: place an order for pulling at the Apicbase sandbox, poll now with
// `npx order-relay temporal schedule trigger …`, and the order's workflow starts (source pull); the
// schedule's encrypted cursor reads through the codec endpoint (`--codec-endpoint`). Issue 17.4.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { orderWorkflowId, type ApicbaseOrder } from '../src/apicbase/order';
import { PULL_SCHEDULE_ID } from '../src/apicbase/schedules';
import { runOrderRelayBin } from './helpers/cli-process';
import { freeLoopbackPort } from '../src/net/free-port';
import { start, stop, waitFor, type Started } from './helpers/npm-start';
import { PATIENCE_MS } from './helpers/patience';

const orderRelay = (args: string[], env: Record<string, string>) => runOrderRelayBin(args, { ...process.env, ...env });

/** The pull schedule's action argument in `temporal schedule describe --output json`, its encoding and data read. */
function actionInput(json: string): { encoding: string; data: string } {
  const described = JSON.parse(json) as {
    schedule: {
      action: { startWorkflow: { input: { payloads: Array<{ metadata: { encoding: string }; data: string }> } } };
    };
  };
  const [payload] = described.schedule.action.startWorkflow.input.payloads;
  const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  return { encoding: text(payload!.metadata.encoding), data: text(payload!.data) };
}

void describe('APICBASE_MODE=pull npm start, as the banner says', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'order-relay-pull-start-'));
  const running: Started[] = [];
  after(() => {
    for (const r of running) r.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  void it('the banner says how to place an order for pulling and how to poll now; doing so brings the order in', async () => {
    const [temporalPort, uiPort, httpPort, hublifyPort, apicbasePort] = [
      await freeLoopbackPort(),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
    ];
    const env = {
      DATA_DIR: dataDir,
      APICBASE_MODE: 'pull',
      APICBASE_POLL_INTERVAL: '1h', // only "poll now" brings the order in during the test
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_DEV_UI_PORT: String(uiPort),
      PORT: String(httpPort),
      HUBLIFY_SANDBOX_PORT: String(hublifyPort),
      APICBASE_SANDBOX_PORT: String(apicbasePort),
      WORKER_METRICS_ADDRESS: '127.0.0.1:0',
      LOG_LEVEL: 'warn',
    };
    const started = start(env);
    running.push(started);
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200,
      PATIENCE_MS,
      '/readyz',
      started.output,
    );
    await waitFor(
      () => Promise.resolve(started.output().includes('Press Ctrl-C to stop.')),
      PATIENCE_MS,
      'the banner',
      started.output,
    );
    const banner = started.output();
    assert.match(banner, new RegExp(`Apicbase SANDBOX +http://127\\.0\\.0\\.1:${apicbasePort} +\\(mode pull;`));
    const pollNow = /poll now: npx order-relay (temporal schedule trigger --schedule-id \S+)/.exec(banner);
    assert.ok(pollNow, banner);
    assert.match(banner, /place an order for pulling: npm run demo -- --via pull/);
    const place = new RegExp(
      `curl -X POST (http://127\\.0\\.0\\.1:${apicbasePort}/_sandbox/orders) -H 'content-type: application/json' -d '(\\{"delivery":"pull"\\})'`,
    ).exec(banner);
    assert.ok(place, banner);

    // Place it as the banner's curl does: left in Apicbase as ORDERED, no webhook.
    const placed = await fetch(place[1]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: place[2],
    });
    assert.equal(placed.status, 201);
    const { order } = (await placed.json()) as { order: ApicbaseOrder };

    // Poll now, with the command the banner printed (TEMPORAL_DEV_PORT as in the shell that ran npm start).
    const cliEnv = { TEMPORAL_DEV_PORT: String(temporalPort), TEMPORAL_ADDRESS: '' };
    const triggered = await orderRelay(pollNow[1]!.split(' '), cliEnv);
    assert.equal(triggered.code, 0, triggered.stderr);

    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    try {
      const client = new Client({ connection });
      await waitFor(
        async () =>
          (await client.workflow.getHandle(orderWorkflowId(order.id)).describe()).workflowId ===
          orderWorkflowId(order.id),
        PATIENCE_MS,
        'the pulled order',
        started.output,
      );
    } finally {
      await connection.close();
    }

    // The schedule's cursor is encrypted: readable with the codec endpoint, as docs/apicbase.md says.
    const describeArgs = ['temporal', 'schedule', 'describe', '--schedule-id', PULL_SCHEDULE_ID, '--output', 'json'];
    const encrypted = await orderRelay(describeArgs, cliEnv);
    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.notEqual(actionInput(encrypted.stdout).encoding, 'json/plain', 'without the codec the cursor is ciphertext');
    const decoded = await orderRelay(
      [...describeArgs, '--codec-endpoint', `http://127.0.0.1:${httpPort}/codec`],
      cliEnv,
    );
    assert.equal(decoded.code, 0, decoded.stderr);
    const input = actionInput(decoded.stdout);
    assert.equal(input.encoding, 'json/plain', decoded.stdout);
    assert.match(input.data, /^\{"cursor":"\d{4}-\d\d-\d\dT[\d:.]+Z"\}$/);

    assert.equal(await stop(started), 0);
  });
});
