// Temporal visibility is eventually consistent: wait until a query sees what a test just did.
import type { Client } from '@temporalio/client';
import { pollUntil } from '../../src/poll-until';
import { PATIENCE_MS } from './patience';

export async function waitForVisible(client: Client, query: string, timeoutMs = PATIENCE_MS): Promise<void> {
  await pollUntil(async () => (await client.workflow.count(query)).count > 0, {
    what: `visibility to show \`${query}\``,
    timeoutMs,
  });
}

/** The visibility query for one workflow in one stage. */
export const inStage = (workflowId: string, stage: string) =>
  `WorkflowId = "${workflowId}" AND OrderStage = "${stage}"`;
