// An update whose workflow task the server refused (WorkflowNotReady) is sent again by the client's
// gRPC retry, the same update id, so support's cancel or amend does not fail on a server-side race.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { isWorkflowNotReady, temporalGrpcInterceptors, type StatusObject } from '../src/temporal/grpc-retry';
import { finishUpdate, pokeSignal } from './fixtures/update-race-workflow';
import { startTestTemporal } from './helpers/temporal';

void describe('WorkflowNotReady answers to an update', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let pokes = 0;
  const taskQueue = 'update-race';
  before(async () => {
    env = await startTestTemporal();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/update-race-workflow'),
      activities: {
        // Only the first delivery of the update pokes: its task is refused, the retried one is not.
        async pokeMyself() {
          if (pokes++ > 0) return;
          await env.client.workflow.getHandle(Context.current().info.workflowExecution!.workflowId).signal(pokeSignal);
        },
      },
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  async function raceUpdate(client: Client, id: string): Promise<string> {
    pokes = 0;
    const handle = await client.workflow.start('updateRaceWorkflow', { taskQueue, workflowId: id });
    return handle.executeUpdate(finishUpdate);
  }

  void it('without the retry the caller gets WorkflowNotReady, recognised by isWorkflowNotReady', async () => {
    // No interceptors: not even the SDK's default retries.
    const connection = await Connection.connect({ address: env.address, interceptors: [] });
    try {
      const err = await raceUpdate(new Client({ connection }), 'update-race-plain').then(
        () => assert.fail('the update should have been refused'),
        (e: unknown) => e as Error & { cause?: StatusObject },
      );
      assert.match(err.cause?.details ?? '', /unexpected workflow task failure/);
      assert.ok(err.cause && isWorkflowNotReady(err.cause), 'the status is recognised as WorkflowNotReady');
    } finally {
      await connection.close();
    }
  });

  void it('with temporalGrpcInterceptors the update is sent again and completes once', async () => {
    const connection = await Connection.connect({ address: env.address, interceptors: temporalGrpcInterceptors() });
    try {
      assert.equal(await raceUpdate(new Client({ connection }), 'update-race-retried'), 'finished');
      assert.equal(pokes, 2, 'the update was delivered twice: refused once, then completed');
    } finally {
      await connection.close();
    }
  });
});
