// The workflow code a worker runs: a bundle file made at build time (WORKFLOW_BUNDLE_PATH, see
// scripts/bundle-workflows.ts), so a production worker starts without webpack; else none, and the
// worker bundles workflows/ itself at start. The build writes a traced twin beside it (OpenTelemetry's
// workflow interceptors included), which a worker loads instead while tracing is on.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowBundleOption } from '@temporalio/worker';

/** `dist/workflow-bundle.js` → `dist/workflow-bundle.traced.js`. */
export function tracedBundlePath(file: string): string {
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.traced${ext || '.js'}`;
}

export function workflowBundleFromFile(
  file: string | undefined,
  opts: { traced?: boolean } = {},
): WorkflowBundleOption | undefined {
  if (!file) return undefined;
  const codePath = path.resolve(opts.traced ? tracedBundlePath(file) : file);
  if (!existsSync(codePath)) {
    const what = opts.traced
      ? 'traced workflow bundle (tracing is on: OTEL_EXPORTER_OTLP_ENDPOINT)'
      : 'workflow bundle';
    throw new Error(
      `WORKFLOW_BUNDLE_PATH: no ${what} at ${codePath} (make it with \`npm run build\`, or unset it to bundle at start)`,
    );
  }
  return { codePath };
}
