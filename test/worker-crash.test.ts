// A worker killed (SIGKILL) while order_create is in flight, then restarted, produces exactly one
// Hublify order and exactly one order_create: Temporal retries the activity after its timeout, and the
// retry finds the order by its o_orderid_external before it would create it again.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pollUntil } from '../src/poll-until';
import { sampleOrder } from './helpers/sample-order';
import { startTestOrder, stageIs, waitForStatus } from './helpers/orders';
import { PATIENCE_MS } from './helpers/patience';
import { TEST_CHANNEL_TOKEN, startTestSystem, type TestSystem } from './helpers/system';

const root = path.resolve(__dirname, '..');

function startWorkerProcess(system: TestSystem): ChildProcess {
  // The real entry point (`npm start`'s), as a worker-only process against the test's server.
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'main.ts')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      ORDER_RELAY_ROLES: 'worker',
      LOG_LEVEL: 'error',
      TEMPORAL_ADDRESS: system.env.address,
      HUBLIFY_URL: system.sandbox.url,
      HUBLIFY_CHANNEL_TOKEN: TEST_CHANNEL_TOKEN,
      HUBLIFY_TIMEOUT_MS: '2000',
      DATA_DIR: system.dataDir,
    },
  });
}

void describe('worker killed mid-injection', () => {
  let system: TestSystem;
  const children: ChildProcess[] = [];
  before(async () => {
    // This process runs the API only: the order's activities run in the child worker processes.
    system = await startTestSystem({ ORDER_RELAY_ROLES: 'api' });
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await system?.close();
  });

  void it('restarted worker completes the injection with exactly one Hublify order', async () => {
    const order = sampleOrder();
    // Hublify takes its time with the first order_create: the worker dies while waiting for it.
    system.sandbox.injectFault({ kind: 'slow', delayMs: 1_500, count: 1, verbs: ['order_create'] });
    const first = startWorkerProcess(system);
    children.push(first);
    const handle = await startTestOrder(system, order);

    await pollUntil(() => (system.sandbox.requestCounts().order_create ?? 0) >= 1, {
      what: 'the first order_create',
      timeoutMs: PATIENCE_MS,
      everyMs: 25,
    });
    first.kill('SIGKILL');
    // Hublify finishes the request the dead worker sent: the order now exists there.
    await pollUntil(() => system.sandbox.orders().some((o) => o.o_orderid_external === order.order_number), {
      what: 'Hublify to create the order',
      timeoutMs: PATIENCE_MS,
      everyMs: 25,
    });

    const second = startWorkerProcess(system);
    children.push(second);
    const status = await waitForStatus(handle, stageIs('WAITING_FOR_SHIPMENT'), 60_000);

    const inHublify = system.sandbox.orders().filter((o) => o.o_orderid_external === order.order_number);
    assert.equal(inHublify.length, 1);
    assert.equal(status.hublify?.orderId, inHublify[0]?.orderid);
    // The retry asked Hublify first (order_get by our number) and found the order: no second order_create.
    assert.equal(system.sandbox.orderCreateCalls(order.order_number), 1, 'exactly one order_create received');
    assert.ok(status.attempts.inject >= 2, 'the activity was retried');
    assert.match(status.history.find((h) => h.stage === 'INJECTED')?.detail ?? '', /already in Hublify/);
  });
});
