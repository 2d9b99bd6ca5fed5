// The engine's floor: trivial workflows doing the least each order-relay figure needs, bundled and run
// by the bench's own worker. Only the workflow SDK and types are imported (deterministic, like workflows/).
import {
  allHandlersFinished,
  condition,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { HublifyOrderCreateRequest } from '../../src/hublify/types';
import type { FloorActivities } from './floor-activities';

export const answerUpdate = defineUpdate<string>('answer');

const local = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '30s' });
const remote = proxyActivities<FloorActivities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 1 } });

/** (b) Nothing: the cost of a durable start. */
export async function startFloorWorkflow(): Promise<void> {
  await Promise.resolve();
}

/** (c) Answers its `answer` update after one local activity: the floor of the `verified` ack. */
export async function verdictFloorWorkflow(id: string): Promise<string> {
  const verdict: { answer?: string } = {};
  setHandler(answerUpdate, async () => {
    await condition(() => verdict.answer !== undefined);
    return verdict.answer!;
  });
  verdict.answer = await local.check(id);
  await condition(allHandlersFinished);
  return verdict.answer;
}

/** (d) One local activity, then order_create in the Hublify sandbox as a remote activity: the floor of end to end. */
export async function injectFloorWorkflow(request: HublifyOrderCreateRequest): Promise<string> {
  await local.check(String(request.fields.order.o_orderid_external));
  return remote.createOrder(request);
}
