// An update whose workflow task the server refused (WorkflowNotReady) is sent again by the client's
// gRPC retry, the same update id, so support's cancel or amend does not fail on a server-side race.
// And a call abandoned while the retry waits ends quietly when the connection is closed meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InterceptingCall, ListenerBuilder, status as grpcStatus, type InterceptorOptions } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { isWorkflowNotReady, temporalGrpcInterceptors, type StatusObject } from '../src/temporal/grpc-retry';
import { freeLoopbackPort } from '../src/net/free-port';
import { finishUpdate, pokeSignal } from './fixtures/update-race-workflow';

type NextCall = Parameters<ReturnType<typeof temporalGrpcInterceptors>[number]>[1];
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

/**
 * Asserts that the call `start` makes ends CANCELLED: an error, not an answer, and no uncaught exception
 * (listened for from the moment `start` is called until the call ends) before it.
 */
async function endsCancelled(start: () => Promise<{ call: Promise<unknown> }>): Promise<void> {
  let onUncaught!: (err: Error) => void;
  const uncaught = new Promise<Error>((resolve) => (onUncaught = resolve));
  process.on('uncaughtException', onUncaught);
  try {
    const { call } = await start();
    const outcome = await Promise.race([
      call.then(
        () => 'answered',
        (err: Error) => err,
      ),
      uncaught.then((err) => `uncaught: ${err.message}`),
    ]);
    assert.ok(outcome instanceof Error, String(outcome));
    assert.equal((outcome.cause as StatusObject | undefined)?.code, grpcStatus.CANCELLED, outcome.message);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
}

void describe('a call abandoned while its retry waits, then the connection closed', () => {
  void it('ends CANCELLED instead of throwing "Channel has been shut down" from the retry timer', async () => {
    // Sees each attempt's status: the first refusal means the retry is now waiting on its timer.
    let refused!: () => void;
    const firstRefusal = new Promise<void>((resolve) => (refused = resolve));
    const observer = (options: InterceptorOptions, nextCall: NextCall) =>
      new InterceptingCall(nextCall(options), {
        start: (metadata, listener, next) =>
          next(
            metadata,
            new ListenerBuilder().withOnReceiveStatus((status, nextStatus) => (refused(), nextStatus(status))).build(),
          ),
      });
    // Nothing listens there: every attempt is refused (UNAVAILABLE) and retried after a backoff.
    const address = `127.0.0.1:${await freeLoopbackPort()}`;
    const connection = Connection.lazy({ address, interceptors: [...temporalGrpcInterceptors(), observer] });
    const client = new Client({ connection });
    await endsCancelled(async () => {
      const abandon = new AbortController();
      const call = client.withAbortSignal(abandon.signal, () => client.workflow.count(''));
      await firstRefusal;
      // Abandoned as the webhook abandons a call at its deadline, then the connection closed (shutdown).
      abandon.abort();
      await connection.close();
      return { call };
    });
  });

  void it('a call on a connection already closed ends CANCELLED, with no uncaught "savedMessageNext is not a function"', async () => {
    // As a worker's activity still running while its relay shuts down calls the closed client (found by the sweep's tests).
    const connection = Connection.lazy({
      address: `127.0.0.1:${await freeLoopbackPort()}`,
      interceptors: temporalGrpcInterceptors(),
    });
    const client = new Client({ connection });
    await connection.close();
    await endsCancelled(() => Promise.resolve({ call: client.workflow.count('') }));
  });
});
