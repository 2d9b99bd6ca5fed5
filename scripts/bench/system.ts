// The system the bench measures, started the way `npm start` starts it: the Temporal CLI's dev server
// on a SQLite file (with the same journaling), the Hublify sandbox over HTTP, and order-relay through
// startOrderRelay(), one relay per run (its own task queue, so each run's orders are counted alone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { generateCodecKeyLine } from '../../src/codec';
import { loadConfig, type Config } from '../../src/config';
import { startHublifySandbox, type HublifySandbox } from '../../src/hublify/sandbox/server';
import { createLogger } from '../../src/logger';
import { freeLoopbackPort } from '../../src/net/free-port';
import { startOrderRelay, type RunningOrderRelay } from '../../src/order-relay';
import { startDevServer, DEV_SERVER_SQLITE_PRAGMAS, type DevServer } from '../../src/temporal/dev-server';
import { installTemporalRuntime } from '../../src/temporal/runtime';
import { ensureTemporalCli } from '../../src/temporal/temporal-cli';
import { temporalGrpcInterceptors } from '../../src/temporal/grpc-retry';
import { bundleOrderWorkflows } from '../../src/worker/order-worker';

export const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret';
export const BENCH_CHANNEL_TOKEN = 'bench-channel-token';
export const BENCH_PUSH_TOKEN = 'bench-hublify-push-token';

export interface BenchRelay {
  relay: RunningOrderRelay;
  config: Config;
  baseUrl: string;
  taskQueue: string;
}

export interface BenchSystem {
  temporal: DevServer;
  sandbox: HublifySandbox;
  /** A plain client (no payload codec) for the floor runs and for counting through visibility. */
  client: Client;
  nativeConnection: NativeConnection;
  dataDir: string;
  /** The relay's settings every process of one bench run shares (codec keys, secrets, URLs). */
  relayEnv(overrides?: Record<string, string>): Record<string, string>;
  startRelay(overrides?: Record<string, string>): Promise<BenchRelay>;
  close(): Promise<void>;
}

export interface BenchSystemOptions {
  /** SQLite pragmas of the dev server's file; default the ones `npm start` uses. */
  sqlitePragmas?: readonly string[];
}

/** WORKER_* settings given to the bench's environment reach every relay it starts (for tuning sweeps). */
function workerSettingsFromEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[0].startsWith('WORKER_') && e[0] !== 'WORKER_METRICS_ADDRESS' && !!e[1],
    ),
  );
}

export async function startBenchSystem(opts: BenchSystemOptions = {}): Promise<BenchSystem> {
  const logger = createLogger('silent');
  installTemporalRuntime(logger);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'order-relay-bench-'));
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const cliPath = await ensureTemporalCli(() => undefined);
    const temporal = await startDevServer({
      cliPath,
      ip: '127.0.0.1',
      port: await freeLoopbackPort(),
      uiPort: await freeLoopbackPort(),
      dbFile: path.join(dataDir, 'temporal.sqlite'),
      namespace: 'default',
      log: () => undefined,
      sqlitePragmas: opts.sqlitePragmas ?? DEV_SERVER_SQLITE_PRAGMAS,
    });
    closers.push(() => temporal.stop());
    const sandbox = await startHublifySandbox({
      host: '127.0.0.1',
      port: 0,
      token: BENCH_CHANNEL_TOKEN,
      channel: 'channel_10',
      logger,
    });
    closers.push(() => sandbox.close());
    const connection = await Connection.connect({
      address: temporal.address,
      interceptors: temporalGrpcInterceptors(),
    });
    closers.push(() => connection.close());
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    closers.push(() => nativeConnection.close());
    const client = new Client({ connection });

    const codecKeys = generateCodecKeyLine();
    let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
    const relayEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: path.join(dataDir, 'relay'),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_UI_URL: temporal.uiUrl,
      HUBLIFY_URL: sandbox.url,
      HUBLIFY_CHANNEL_TOKEN: BENCH_CHANNEL_TOKEN,
      HUBLIFY_WEBHOOK_TOKEN: BENCH_PUSH_TOKEN,
      APICBASE_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
      CODEC_KEYS: codecKeys,
      WORKER_METRICS_ADDRESS: 'off',
      // Tracking traffic left out of the speed runs: the first poll is an hour after injection.
      TRACK_POLL_SCHEDULE: '1h',
      ...workerSettingsFromEnv(),
      ...overrides,
    });
    return {
      temporal,
      sandbox,
      client,
      nativeConnection,
      dataDir,
      relayEnv,
      async startRelay(overrides = {}) {
        const config = loadConfig(relayEnv(overrides));
        bundle ??= bundleOrderWorkflows();
        const relay = await startOrderRelay({ config, logger, workflowBundle: await bundle });
        return { relay, config, baseUrl: `http://127.0.0.1:${relay.httpPort}`, taskQueue: config.TEMPORAL_TASK_QUEUE };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
