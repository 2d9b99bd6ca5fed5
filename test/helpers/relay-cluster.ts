// The production topology for the cluster tests: a Temporal server on PostgreSQL, one shared order
// store (DATABASE_URL, a database on the same PostgreSQL), the Hublify sandbox, and order-relay's API
// and worker roles started as separate OS processes that load the workflow bundle made at build time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { writeWorkflowBundle } from '../../scripts/bundle-workflows';
import { orderWorkflowId } from '../../src/apicbase/order';
import { generateCodecKeyLine, payloadCodecFromConfig } from '../../src/codec';
import { startHublifySandbox, type HublifySandbox } from '../../src/hublify/sandbox/server';
import { pollUntil } from '../../src/poll-until';
import { temporalGrpcInterceptors } from '../../src/temporal/grpc-retry';
import { startRelayProcess, type RelayProcess } from './relay-process';
import { FAST_TIMINGS, TEST_CHANNEL_TOKEN, TEST_HUBLIFY_PUSH_TOKEN, TEST_WEBHOOK_SECRET } from './system';
import { startTestCluster, type TestCluster } from './temporal-cluster';

export interface RelayCluster {
  cluster: TestCluster;
  sandbox: HublifySandbox;
  client: Client;
  /** The shared order store's DATABASE_URL. */
  storeUrl: string;
  start(role: 'api' | 'worker', name: string, extra?: Record<string, string>): Promise<RelayProcess>;
  handleOf(apicbaseId: string): WorkflowHandle;
  close(): Promise<void>;
}

export async function startRelayCluster(): Promise<RelayCluster> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'order-relay-cluster-'));
  const cluster = await startTestCluster();
  const storeUrl = await cluster.postgres.createDatabase('order_relay');
  const sandbox = await startHublifySandbox({
    host: '127.0.0.1',
    port: 0,
    token: TEST_CHANNEL_TOKEN,
    channel: 'channel_10',
  });
  // The production build's bundle: workers load this file instead of running webpack.
  const bundleFile = path.join(tmp, 'workflow-bundle.js');
  await writeWorkflowBundle(bundleFile);
  const codecKeys = generateCodecKeyLine();
  const { dataConverter } = payloadCodecFromConfig({ CODEC_KEYS: codecKeys, DATA_DIR: tmp }, { create: false });
  const connection = await Connection.connect({
    address: cluster.temporal.address,
    interceptors: temporalGrpcInterceptors(),
  });
  const client = new Client({ connection, namespace: 'default', dataConverter });
  const running: RelayProcess[] = [];

  return {
    cluster,
    sandbox,
    client,
    storeUrl,
    async start(role, name, extra = {}) {
      const relay = await startRelayProcess({
        role,
        name,
        env: {
          LOG_LEVEL: 'warn',
          DATA_DIR: mkdtempSync(path.join(tmp, `${name}-`)),
          DATABASE_URL: storeUrl,
          TEMPORAL_ADDRESS: cluster.temporal.address,
          HUBLIFY_URL: sandbox.url,
          HUBLIFY_CHANNEL_TOKEN: TEST_CHANNEL_TOKEN,
          HUBLIFY_TIMEOUT_MS: '2000',
          HUBLIFY_WEBHOOK_TOKEN: TEST_HUBLIFY_PUSH_TOKEN,
          APICBASE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
          CODEC_KEYS: codecKeys,
          WORKFLOW_BUNDLE_PATH: bundleFile,
          ...FAST_TIMINGS,
          // Waiting orders stay quiet (hundreds polling every few seconds would swamp a 2-core machine).
          TRACK_POLL_SCHEDULE: '10m',
          ...extra,
        },
      });
      running.push(relay);
      return relay;
    },
    handleOf: (apicbaseId) => client.workflow.getHandle(orderWorkflowId(apicbaseId)),
    async close() {
      await Promise.all(running.map((p) => p.kill()));
      await connection.close();
      await sandbox.close();
      await cluster.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 100 ms; the cluster tests' bound is generous, for a loaded machine. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  await pollUntil(check, { what, timeoutMs });
}

/** One relay cluster for the enclosing describe(): started before its tests, closed after them. */
export function relayClusterForSuite(): () => RelayCluster {
  let rc: RelayCluster | undefined;
  before(async () => {
    rc = await startRelayCluster();
  });
  after(async () => {
    await rc?.close();
  });
  return () => {
    if (!rc) throw new Error('the relay cluster is not started');
    return rc;
  };
}
