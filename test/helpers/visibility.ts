// Temporal visibility is eventually consistent: wait until a query sees what a test just did.
import type { Client } from '@temporalio/client';
import { PATIENCE_MS } from './patience';

export async function waitForVisible(client: Client, query: string, timeoutMs = PATIENCE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await client.workflow.count(query)).count > 0) return;
    if (Date.now() > deadline) throw new Error(`visibility did not show \`${query}\` within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The visibility query for one workflow in one stage. */
export const inStage = (workflowId: string, stage: string) => `WorkflowId = "${workflowId}" AND OrderStage = "${stage}"`;
