// The whole of order-relay for end-to-end tests, wired by the same startOrderRelay() as `npm start`:
// a real Temporal dev server, the Hublify sandbox over real HTTP, a real SQLite store in a temp dir,
// and the HTTP server on a free loopback port. Timing values are configuration, so durable waits
// take seconds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DestinationStream } from 'pino';
import { bundleOrderWorkflows } from '../../src/worker/order-worker';
import { loadConfig, type Config } from '../../src/config';
import { startHublifySandbox } from '../../src/hublify/sandbox/server';
import { createLogger } from '../../src/logger';
import { startOrderRelay, type RunningOrderRelay } from '../../src/order-relay';
import { installTemporalRuntime } from '../../src/temporal/runtime';
import { codecKeyFile, generateCodecKeyLine } from '../../src/codec';
import { startedForTests } from './before-tests';
import { PATIENCE_MS } from './patience';
import { startTestTemporal, type TestTemporalOptions } from './temporal';

export const TEST_WEBHOOK_SECRET = 'test-webhook-secret';
export const TEST_CHANNEL_TOKEN = 'test-channel-token-5f1c';
export const TEST_HUBLIFY_PUSH_TOKEN = 'test-hublify-push-token';

export type Sandbox = Awaited<ReturnType<typeof startHublifySandbox>>;

export interface TestSystem {
  env: TestWorkflowEnvironment;
  sandbox: Sandbox;
  relay: RunningOrderRelay;
  config: Config;
  baseUrl: string;
  dataDir: string;
  /**
   * Stops order-relay only (Temporal and the sandbox keep running), e.g. to simulate a crash; with
   * `workflowBundle`, the relay comes back with other workflow code (a deploy).
   */
  restartRelay(overrides?: Record<string, string>, options?: Pick<TestSystemOptions, 'workflowBundle'>): Promise<void>;
  close(): Promise<void>;
}

/** Short waits so tracking tests run in seconds; each test file may override any of them. */
export const FAST_TIMINGS: Record<string, string> = {
  INJECT_RETRY_INITIAL_MS: '200',
  INJECT_RETRY_MAX_INTERVAL_MS: '1000',
  INJECT_RETRY_FOR_MS: '60000',
  TRACK_POLL_SCHEDULE: '1s*3,2s',
  TRACK_OVERDUE_GRACE_MS: '0',
  TRACK_HARD_LIMIT_MS: '3600000',
  // The Hublify sweep off: tests count the Hublify calls their orders cause; test/hublify-sweep.test.ts turns it on.
  HUBLIFY_SWEEP_INTERVAL: '0',
};

/**
 * The webhook's deadlines, as long as a test waits for any event: on a loaded machine a verdict can
 * take several seconds, and a 202 where a test expects the verdict would be a flake. Tests of the
 * deadlines themselves set short ones.
 */
export const PATIENT_DEADLINES: Record<string, string> = {
  WEBHOOK_ACCEPT_DEADLINE_MS: String(PATIENCE_MS),
  WEBHOOK_VERIFY_DEADLINE_MS: String(PATIENCE_MS),
};

let bundle: ReturnType<typeof bundleOrderWorkflows> | undefined;

/** The order workflows bundled once per test process (bundling takes seconds). */
export function testWorkflowBundle(): ReturnType<typeof bundleOrderWorkflows> {
  bundle ??= bundleOrderWorkflows();
  return bundle;
}

export interface TestSystemOptions {
  /** Where the relay's log lines go (e.g. to check what is and is not logged). */
  logDestination?: DestinationStream;
  /** Log level; default 'info' with a logDestination, else TEST_LOG_LEVEL or 'silent'. */
  logLevel?: string;
  /** How the Temporal dev server runs (e.g. with its Web UI and a codec endpoint). */
  temporal?: TestTemporalOptions;
  /** The workflow code; default: the plain bundle of this process (a traced one for tracing tests). */
  workflowBundle?: Awaited<ReturnType<typeof bundleOrderWorkflows>>;
}

export async function startTestSystem(
  overrides: Record<string, string> = {},
  options: TestSystemOptions = {},
): Promise<TestSystem> {
  const level = options.logLevel ?? (options.logDestination ? 'info' : (process.env.TEST_LOG_LEVEL ?? 'silent'));
  const logger = createLogger(level, options.logDestination);
  installTemporalRuntime(logger);
  const env = await startTestTemporal(options.temporal);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'order-relay-test-'));
  // The payload codec's keys, as a cluster would set them (so a second relay given this config shares
  // them), and in the data folder's key file too (so a CLI or worker pointed at DATA_DIR reads them).
  const codecKeys = generateCodecKeyLine();
  writeFileSync(codecKeyFile(dataDir), `${codecKeys}\n`, { mode: 0o600 });
  let workflowBundle = options.workflowBundle ?? (await testWorkflowBundle());

  let relay: RunningOrderRelay | undefined;
  let config: Config | undefined;
  let sandbox: Sandbox | undefined;
  // A failed start must not leave a server running: the test process would never exit.
  const stopAll = async () => {
    await relay?.close();
    await sandbox?.close();
    await env.teardown();
    rmSync(dataDir, { recursive: true, force: true });
  };

  const startRelay = async (extra: Record<string, string>) => {
    // The test's own dev server, added after loading as `npm start` adds its embedded one (src/main.ts):
    // a TEMPORAL_ADDRESS in the variables is a cluster, where CODEC_LOOPBACK_UNAUTHENTICATED is refused.
    const loaded = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
      HUBLIFY_URL: sandbox!.url,
      HUBLIFY_CHANNEL_TOKEN: TEST_CHANNEL_TOKEN,
      HUBLIFY_TIMEOUT_MS: '2000',
      HUBLIFY_WEBHOOK_TOKEN: TEST_HUBLIFY_PUSH_TOKEN,
      APICBASE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      CODEC_KEYS: codecKeys,
      // A free port: test files run in parallel.
      WORKER_METRICS_ADDRESS: '127.0.0.1:0',
      ...FAST_TIMINGS,
      ...PATIENT_DEADLINES,
      ...overrides,
      ...extra,
    });
    config = { ...loaded, TEMPORAL_ADDRESS: env.address };
    relay = await startOrderRelay({ config, logger, workflowBundle });
  };
  try {
    sandbox = await startHublifySandbox({
      host: '127.0.0.1',
      port: 0,
      token: TEST_CHANNEL_TOKEN,
      channel: 'channel_10',
      logger,
    });
    await startRelay({});
  } catch (err) {
    await stopAll();
    throw err;
  }

  const system: TestSystem = {
    env,
    sandbox,
    get relay() {
      return relay!;
    },
    get config() {
      return config!;
    },
    get baseUrl() {
      return `http://127.0.0.1:${relay!.httpPort}`;
    },
    dataDir,
    async restartRelay(extra = {}, restart = {}) {
      await relay?.close();
      workflowBundle = restart.workflowBundle ?? workflowBundle;
      await startRelay(extra);
    },
    close: stopAll,
  };
  return system;
}

/**
 * One test system for the enclosing describe(): started before its tests, closed after them. The
 * value returned stands for the system once started (a test that reads it earlier gets an error).
 */
export function useTestSystem(overrides: Record<string, string> = {}, options: TestSystemOptions = {}): TestSystem {
  return startedForTests(
    'the test system',
    () => startTestSystem(overrides, options),
    (started) => started.close(),
  );
}
