// `npm start`'s entry point as a user runs it: the embedded dev server, Web UI, Hublify sandbox,
// worker and HTTP server come up and say where they listen; a second start on the same data while it
// runs is refused, saying where it runs; Ctrl-C (SIGINT) stops every part; a start afterwards reuses
// the data folder, so an order accepted before is still there.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { orderWorkflowId } from '../src/apicbase/order';
import { payloadCodecFromConfig } from '../src/codec';
import { sweepScheduleId } from '../src/hublify/sweep-schedule';
import { statusQuery } from '../workflows/order-messages';
import { sampleOrder } from './helpers/sample-order';
import { freeLoopbackPort } from '../src/net/free-port';
import { start, stop, waitFor, type Started } from './helpers/npm-start';
import { deliverOrder } from './helpers/webhook';

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

void describe('npm start', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'order-relay-start-'));
  const running: Started[] = [];
  after(() => {
    for (const r of running) r.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  void it('runs every part, stops cleanly on SIGINT, and keeps its data across restarts', async () => {
    const [temporalPort, uiPort, httpPort, sandboxPort] = [
      await freeLoopbackPort(),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
    ];
    const env = {
      DATA_DIR: dataDir,
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_DEV_UI_PORT: String(uiPort),
      PORT: String(httpPort),
      HUBLIFY_SANDBOX_PORT: String(sandboxPort),
      // The Apicbase sandbox's default port (4020) may be another run's: a free one.
      APICBASE_SANDBOX_PORT: String(await freeLoopbackPort()),
      APICBASE_WEBHOOK_SECRET: 'test-webhook-secret',
      LOG_LEVEL: 'warn',
    };
    const base = `http://127.0.0.1:${httpPort}`;
    const ready = async () => (await fetch(`${base}/readyz`)).status === 200;

    const first = start(env);
    running.push(first);
    await waitFor(ready, 90_000, '/readyz', first.output);
    const printed = first.output();
    assert.match(printed, new RegExp(`Temporal dev server\\s+127\\.0\\.0\\.1:${temporalPort}`));
    assert.match(printed, new RegExp(`Temporal Web UI\\s+http://127\\.0\\.0\\.1:${uiPort}`));
    assert.match(printed, new RegExp(`Hublify SANDBOX\\s+http://127\\.0\\.0\\.1:${sandboxPort}`));
    assert.match(printed, new RegExp(`HTTP\\s+http://127\\.0\\.0\\.1:${httpPort}`));
    assert.match(printed, /HUBLIFY_URL is not set/);
    assert.equal((await fetch(`http://127.0.0.1:${uiPort}/`)).status, 200, 'the Web UI answers');

    const order = sampleOrder();
    const accepted = await deliverOrder(base, order);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));

    // A second `npm start` on the same data says where the first runs, exits 1 and touches nothing (issue 26.13).
    const lockFile = path.join(dataDir, 'order-relay.lock');
    const lockBefore = readFileSync(lockFile, 'utf8');
    const again = start(env);
    running.push(again);
    const againCode = await new Promise<number | null>((resolve) => again.child.once('exit', resolve));
    assert.equal(againCode, 1, again.output());
    assert.match(
      again.output(),
      new RegExp(
        `order-relay already runs on the data in ${dataDir.replace(/[.\\/]/g, '\\$&')} \\(pid ${first.child.pid}, `,
      ),
    );
    assert.match(again.output(), new RegExp(`HTTP\\s+http://127\\.0\\.0\\.1:${httpPort}`), 'and where it answers');
    assert.doesNotMatch(
      again.output(),
      /TEMPORAL_ADDRESS=|EADDRINUSE|"level"/,
      'no advice to share its ports, no stack, nothing started',
    );
    assert.equal(readFileSync(lockFile, 'utf8'), lockBefore, "the first one's lock is untouched");
    assert.ok(await ready(), 'the first one still runs');

    // The Hublify sweep runs on npm start's defaults: its schedule, every minute.
    const firstConnection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    try {
      // npm start made the payload codec's key file in DATA_DIR; the schedule's argument (its cursor) is encrypted with it.
      const { dataConverter } = payloadCodecFromConfig({ DATA_DIR: dataDir }, { create: false });
      const sweep = await new Client({ connection: firstConnection, dataConverter }).schedule
        .getHandle(sweepScheduleId('channel_10'))
        .describe();
      assert.equal(sweep.spec.intervals?.[0]?.every, 60_000);
      assert.equal(sweep.state.paused, false);
    } finally {
      await firstConnection.close();
    }

    assert.equal(await stop(first), 0, 'exit code after SIGINT');
    assert.equal(existsSync(lockFile), false, 'Ctrl-C releases the lock');
    for (const port of [temporalPort, uiPort, httpPort, sandboxPort])
      assert.equal(await portOpen(port), false, `port ${port} closed after Ctrl-C`);

    // Restarted with the embedded sandbox's push off (a sweep every 2 s, so the test need not wait a minute).
    const second = start({ ...env, HUBLIFY_SANDBOX_PUSH: 'false', HUBLIFY_SWEEP_INTERVAL: '2s' });
    running.push(second);
    await waitFor(ready, 90_000, '/readyz after restart', second.output);
    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    try {
      const { dataConverter } = payloadCodecFromConfig({ DATA_DIR: dataDir }, { create: false });
      const handle = new Client({ connection, dataConverter }).workflow.getHandle(orderWorkflowId(order.id));
      const described = await handle.describe();
      assert.equal(
        described.workflowId,
        orderWorkflowId(order.id),
        'the order accepted before the restart is still there',
      );
      // Shipped in the sandbox, which pushes nothing now: the sweep tells the order.
      const sandbox = `http://127.0.0.1:${sandboxPort}`;
      await waitFor(
        async () => (await fetch(`${sandbox}/_sandbox/orders/${order.order_number}`)).status === 200,
        90_000,
        'the order in the sandbox',
        second.output,
      );
      const shipped = await fetch(`${sandbox}/_sandbox/orders/${order.order_number}/ship`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(shipped.status, 200);
      await waitFor(
        async () => (await handle.query(statusQuery)).stage === 'SHIPPED',
        120_000,
        'the order SHIPPED through the sweep',
        second.output,
      );
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.doesNotMatch(metrics, /^order_relay_hublify_pushes_total\{[^}]*\} [1-9]/m, 'no push reached the relay');
    } finally {
      await connection.close();
    }
    assert.equal(await stop(second), 0);
  });
});
