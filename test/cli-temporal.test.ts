// `order-relay temporal …` runs the project's Temporal CLI (the one `npm start` builds into .tools/bin)
// with the arguments as given, against the relay's Temporal: TEMPORAL_ADDRESS, else the dev server
// `npm start` runs (TEMPORAL_DEV_PORT). So the docs' `npx order-relay temporal …` commands run as written.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runOrderRelayBin } from './helpers/cli-process';
import { startTestTemporal } from './helpers/temporal';

const root = path.resolve(__dirname, '..');

const orderRelay = (args: string[], env: Record<string, string>) =>
  runOrderRelayBin(args, {
    PATH: process.env.PATH ?? '',
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    ...env,
  });

void describe('order-relay temporal (the Temporal CLI passthrough)', () => {
  let env: TestWorkflowEnvironment;
  const workflowId = `passthrough-probe-${Date.now()}`;
  before(async () => {
    env = await startTestTemporal();
    // No worker runs it: it stays Running, listed by visibility.
    await env.client.workflow.start('probeWorkflow', { taskQueue: 'nobody-polls-this', workflowId });
  });
  after(async () => {
    await env?.teardown();
  });

  void it("`temporal --version` runs the project's CLI", async () => {
    const r = await orderRelay(['temporal', '--version'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^temporal version /);
  });

  void it('`temporal workflow list` reaches TEMPORAL_ADDRESS, else the dev server port npm start uses', async () => {
    const viaAddress = await orderRelay(['temporal', 'workflow', 'list', '--query', `WorkflowId = "${workflowId}"`], {
      TEMPORAL_ADDRESS: env.address,
    });
    assert.equal(viaAddress.code, 0, viaAddress.stderr);
    assert.match(viaAddress.stdout, new RegExp(`Running +${workflowId} +probeWorkflow`));

    // Without TEMPORAL_ADDRESS: 127.0.0.1:TEMPORAL_DEV_PORT, as `npm start` runs its dev server.
    const port = env.address.split(':').at(-1)!;
    const viaDevPort = await orderRelay(
      ['temporal', 'workflow', 'describe', '--workflow-id', workflowId, '--output', 'json'],
      { TEMPORAL_DEV_PORT: port },
    );
    assert.equal(viaDevPort.code, 0, viaDevPort.stderr);
    assert.equal(
      (JSON.parse(viaDevPort.stdout) as { workflowExecutionInfo: { execution: { workflowId: string } } })
        .workflowExecutionInfo.execution.workflowId,
      workflowId,
    );

    // The CLI's own exit code and message come through.
    const missing = await orderRelay(['temporal', 'workflow', 'describe', '--workflow-id', `${workflowId}-nope`], {
      TEMPORAL_ADDRESS: env.address,
    });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not found/i);
  });

  void it('without a Temporal CLI: exit 2 and how to get one', async () => {
    const r = await orderRelay(['temporal', 'workflow', 'list'], {
      TEMPORAL_CLI_PATH: path.join(root, 'no-such-temporal'),
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /TEMPORAL_CLI_PATH=.*no-such-temporal is not an executable file/);
  });
});
