// A worker-only process (ORDER_RELAY_ROLES=worker) scaled out beside an API: it needs Temporal, Hublify
// and the order store, and starts no sandbox of its own, so the ports the API process's sandboxes hold
// do not stop it (issue 26.1). Run as its own OS process through src/main.ts, as `npm start` and the image run it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { generateCodecKeyLine, payloadCodecFromConfig } from '../src/codec';
import { startHublifySandbox, type HublifySandbox } from '../src/hublify/sandbox/server';
import { orderWorkflowSettings } from '../src/orders/order-settings';
import { startOrder } from '../src/orders/start-order';
import { loadConfig } from '../src/config';
import type { orderWorkflow } from '../workflows/order-workflow';
import { stageIs, waitForStatus } from './helpers/orders';
import { startRelayProcess, type RelayProcess } from './helpers/relay-process';
import { sampleOrder } from './helpers/sample-order';
import { FAST_TIMINGS, TEST_CHANNEL_TOKEN } from './helpers/system';
import { startTestTemporal } from './helpers/temporal';

/** Another listener on a free loopback port: the port an API process's sandbox would hold. */
async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

void describe('a worker-only process', () => {
  let temporal: TestWorkflowEnvironment;
  let hublify: HublifySandbox;
  let held: Array<{ server: Server; port: number }> = [];
  let worker: RelayProcess | undefined;
  let connection: Connection | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'order-relay-worker-only-'));

  before(async () => {
    temporal = await startTestTemporal();
    hublify = await startHublifySandbox({
      host: '127.0.0.1',
      port: 0,
      token: TEST_CHANNEL_TOKEN,
      channel: 'channel_10',
    });
    held = [await holdPort(), await holdPort()];
  });
  after(async () => {
    await worker?.kill();
    await connection?.close();
    for (const h of held) h.server.close();
    await hublify?.close();
    await temporal?.teardown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  void it('with no Apicbase settings starts no sandbox: it comes up while the sandbox ports are taken, and relays an order into Hublify', async () => {
    const [apicbasePort, hublifyPort] = held.map((h) => String(h.port));
    const codecKeys = generateCodecKeyLine();
    const env: Record<string, string> = {
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: temporal.address,
      HUBLIFY_URL: hublify.url,
      HUBLIFY_CHANNEL_TOKEN: TEST_CHANNEL_TOKEN,
      CODEC_KEYS: codecKeys,
      // The ports an API process's sandboxes hold on this machine: taken by another listener here.
      APICBASE_SANDBOX_PORT: apicbasePort!,
      HUBLIFY_SANDBOX_PORT: hublifyPort!,
      ...FAST_TIMINGS,
    };
    // Nothing Apicbase from the test runner's own environment.
    for (const name of Object.keys(process.env)) if (name.startsWith('APICBASE_') && !(name in env)) env[name] = '';
    worker = await startRelayProcess({ role: 'worker', name: 'worker-only', env });

    const banner = worker.output();
    assert.doesNotMatch(banner, /SANDBOX/, banner);
    assert.match(banner, /Apicbase .*no sandbox: a worker-only process/, banner);
    assert.doesNotMatch(banner, /EADDRINUSE/, banner);

    // An order started as the API would start it: the worker verifies it and injects it into Hublify.
    const { dataConverter } = payloadCodecFromConfig({ CODEC_KEYS: codecKeys, DATA_DIR: dataDir }, { create: false });
    connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: 'default', dataConverter });
    const config = loadConfig({ ...env, TEMPORAL_ADDRESS: temporal.address });
    const order = sampleOrder();
    const { workflowId } = await startOrder(
      {
        client,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        settings: () => orderWorkflowSettings(config),
        recordedStage: null,
      },
      order,
      'webhook',
    );
    const status = await waitForStatus(
      client.workflow.getHandle<typeof orderWorkflow>(workflowId),
      stageIs('WAITING_FOR_SHIPMENT'),
    );
    assert.ok(status.hublify?.orderId, JSON.stringify(status));
    assert.equal(hublify.orderCreateCalls(order.order_number), 1);
    assert.equal(worker.child.exitCode, null, 'the worker still runs');

    assert.deepEqual(await worker.stop(), { code: 0, signal: null });
  });
});
