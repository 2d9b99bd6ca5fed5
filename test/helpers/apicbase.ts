// The whole system plus the Apicbase sandbox: order-relay's API client pointed at the sandbox with a
// token obtained through the sandbox's OAuth flow (stored encrypted, as in production), and the
// sandbox's webhook pointed at the relay. Also: run a schedule now and wait for its workflow's result.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { DestinationStream } from 'pino';
import { tokenStoreFrom } from '../../src/apicbase/from-config';
import { oauthSettings } from '../../src/apicbase/oauth';
import { authorizeWithSandbox } from '../../src/apicbase/sandbox/auto-authorize';
import {
  startApicbaseSandbox,
  type ApicbaseSandbox,
  type ApicbaseSandboxOptions,
} from '../../src/apicbase/sandbox/server';
import { orderWorkflowId } from '../../src/apicbase/order';
import { loadConfig } from '../../src/config';
import { pollUntil, type NotYet } from '../../src/poll-until';
import { startedForTests } from './before-tests';
import { PATIENCE_MS } from './patience';
import { startTestSystem, TEST_WEBHOOK_SECRET, type TestSystem, type TestSystemOptions } from './system';

export const TEST_TOKEN_KEY = '5e'.repeat(32);

export interface ApicbaseTestSystem {
  system: TestSystem;
  apicbase: ApicbaseSandbox;
  /** Env overrides the relay runs with (restartRelay adds to them). */
  env: Record<string, string>;
  /** Authorizes again (e.g. after changing the sandbox's token lifetime). */
  reauthorize(): Promise<void>;
  restartRelay(extra?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/** Pull mode with polls every 2 s, pages of four, and a cursor from the start of 2026 (the pull tests). */
export const PULL_MODE_SETTINGS: Record<string, string> = {
  APICBASE_MODE: 'pull',
  APICBASE_POLL_INTERVAL: '2s',
  APICBASE_POLL_OVERLAP: '1m',
  APICBASE_PAGE_SIZE: '4',
  APICBASE_PULL_SINCE: '2026-01-01T00:00:00Z',
};

/** A pull-mode test file's system, its relay's client and the wait for an order's workflow. */
export interface PullModeTests {
  /** The system, once the describe()'s before() hook started it. */
  t: ApicbaseTestSystem;
  /** The relay's client (a new one after a restart). */
  client: () => Client;
  /** Waits until the order's workflow exists (a poll started it). */
  waitForWorkflow: (apicbaseId: string, timeoutMs?: number) => Promise<unknown>;
}

/**
 * One Apicbase test system in pull mode (PULL_MODE_SETTINGS with `overrides`) for the enclosing describe():
 * started before its tests, closed after them (the pull tests' shared setup).
 */
export function usePullModeSystem(
  overrides: Record<string, string> = {},
  opts: Parameters<typeof startApicbaseTestSystem>[1] = {},
): PullModeTests {
  const t = startedForTests(
    'the Apicbase test system',
    () => startApicbaseTestSystem({ ...PULL_MODE_SETTINGS, ...overrides }, opts),
    (started) => started.close(),
  );
  const client = () => t.system.relay.client;
  return {
    t,
    client,
    waitForWorkflow: (apicbaseId, timeoutMs) => waitForOrderWorkflow(client, apicbaseId, timeoutMs),
  };
}

export async function startApicbaseTestSystem(
  overrides: Record<string, string> = {},
  opts: {
    sandbox?: ApicbaseSandboxOptions;
    logDestination?: DestinationStream;
    logLevel?: string;
    workflowBundle?: TestSystemOptions['workflowBundle'];
  } = {},
): Promise<ApicbaseTestSystem> {
  const tokenDir = mkdtempSync(path.join(tmpdir(), 'apicbase-tokens-'));
  const apicbase = await startApicbaseSandbox({
    clientId: 'relay-test',
    clientSecret: 'relay-test-secret',
    webhookSecret: TEST_WEBHOOK_SECRET,
    ...opts.sandbox,
  });
  const env: Record<string, string> = {
    APICBASE_API_URL: apicbase.url,
    APICBASE_CLIENT_ID: 'relay-test',
    APICBASE_CLIENT_SECRET: 'relay-test-secret',
    APICBASE_TOKEN_KEY: TEST_TOKEN_KEY,
    APICBASE_TOKEN_STORE: path.join(tokenDir, 'tokens.enc'),
    APICBASE_RATE_LIMIT_PER_MINUTE: '1200',
    APICBASE_RECONCILE_GRACE: '0',
    ...overrides,
  };
  const reauthorize = async () => {
    const config = loadConfig({ DATA_DIR: tokenDir, ...env });
    await authorizeWithSandbox(oauthSettings(config)!, tokenStoreFrom(config));
  };
  let system: TestSystem | undefined;
  try {
    await reauthorize();
    system = await startTestSystem(env, {
      ...(opts.logDestination ? { logDestination: opts.logDestination } : {}),
      ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
      ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : {}),
    });
  } catch (err) {
    await apicbase.close();
    rmSync(tokenDir, { recursive: true, force: true });
    throw err;
  }
  const s = system;
  apicbase.webhookUrl = `${s.baseUrl}/webhooks/apicbase/orders`;
  return {
    system: s,
    apicbase,
    env,
    reauthorize,
    async restartRelay(extra = {}) {
      await s.restartRelay(extra);
      apicbase.webhookUrl = `${s.baseUrl}/webhooks/apicbase/orders`; // a new port
    },
    async close() {
      await s.close();
      await apicbase.close();
      rmSync(tokenDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 200 ms until it returns a value (not undefined or false). */
export function waitUntil<T>(
  check: () => Promise<T | NotYet> | T | NotYet,
  timeoutMs: number,
  what: string | (() => string),
): Promise<T> {
  return pollUntil(check, { what, timeoutMs, everyMs: 200 });
}

/** Triggers the schedule now and resolves with the result of the workflow it started. */
export async function runScheduleNow<T>(client: Client, scheduleId: string, timeoutMs = PATIENCE_MS): Promise<T> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = new Set(
    (await handle.describe()).info.recentActions.map((a) => a.action.workflow.firstExecutionRunId),
  );
  await handle.trigger();
  const started = await waitUntil(
    async () =>
      (await handle.describe()).info.recentActions.find((a) => !before.has(a.action.workflow.firstExecutionRunId))
        ?.action.workflow,
    timeoutMs,
    `a new run of schedule ${scheduleId}`,
  );
  return client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result() as Promise<T>;
}

/** How many runs a workflow id has had (visibility; strongly consistent enough on the dev server). */
export async function runCount(client: Client, workflowId: string): Promise<number> {
  return (await client.workflow.count(`WorkflowId = "${workflowId}"`)).count;
}

/** Waits until the order's workflow exists (the pull tests: a poll has started it). */
export function waitForOrderWorkflow(
  client: () => Client,
  apicbaseId: string,
  timeoutMs = PATIENCE_MS,
): Promise<unknown> {
  return waitUntil(
    () => client().workflow.getHandle(orderWorkflowId(apicbaseId)).describe(),
    timeoutMs,
    `workflow for ${apicbaseId}`,
  );
}
