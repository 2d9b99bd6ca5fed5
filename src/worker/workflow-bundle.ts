// The workflow code a worker runs: a bundle file made at build time (WORKFLOW_BUNDLE_PATH, see
// scripts/bundle-workflows.ts), so a production worker starts without webpack; else none, and the
// worker bundles workflows/ itself at start.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowBundleOption } from '@temporalio/worker';

export function workflowBundleFromFile(file: string | undefined): WorkflowBundleOption | undefined {
  if (!file) return undefined;
  const codePath = path.resolve(file);
  if (!existsSync(codePath)) {
    throw new Error(`WORKFLOW_BUNDLE_PATH: no workflow bundle at ${codePath} (make it with \`npm run build\`, or unset it to bundle at start)`);
  }
  return { codePath };
}
