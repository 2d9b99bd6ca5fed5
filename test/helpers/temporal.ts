// A real Temporal server for tests: the Temporal CLI's dev server, started through
// @temporalio/testing with an existing binary (never the SDK's download, which cannot work here).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from '../../src/temporal/temporal-cli';
import { ORDER_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

export function temporalCliForTests(): string {
  const cli = findTemporalCli();
  if (!cli) throw new Error('No Temporal CLI: run `npm test` (its pretest step builds one) or set TEMPORAL_CLI_PATH');
  return cli;
}

export interface TestTemporalOptions {
  /** Run the Web UI (on uiPort), e.g. for the browser test. */
  ui?: boolean;
  uiPort?: number;
  /** More `temporal server start-dev` flags, e.g. ['--ui-codec-endpoint', url]. */
  extraArgs?: string[];
}

export async function startTestTemporal(opts: TestTemporalOptions = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliForTests() },
      ip: '127.0.0.1',
      ui: opts.ui ?? false,
      ...(opts.uiPort !== undefined ? { uiPort: opts.uiPort } : {}),
      ...(opts.extraArgs ? { extraArgs: opts.extraArgs } : {}),
      searchAttributes: ORDER_SEARCH_ATTRIBUTES,
      log: { format: 'json', level: 'error' },
    },
  });
}
