// `npm run build`'s second step: bundles workflows/ (with the codec's failure converter) into one file
// that workers load through WORKFLOW_BUNDLE_PATH, so a production worker starts without webpack, and
// its traced twin (`<name>.traced.js`, with OpenTelemetry's workflow interceptors) that a worker loads
// instead while tracing is on (src/worker/workflow-bundle.ts).
// Usage: tsx scripts/bundle-workflows.ts [out-file]   (default dist/workflow-bundle.js)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import { bundleOrderWorkflows } from '../src/worker/order-worker';
import { tracedBundlePath } from '../src/worker/workflow-bundle';

export async function writeWorkflowBundle(outFile: string, opts: { tracing?: boolean } = {}): Promise<number> {
  const { code } = await bundleOrderWorkflows(opts);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return code.length;
}

async function writeBoth(outFile: string): Promise<void> {
  for (const [file, tracing] of [
    [outFile, false],
    [tracedBundlePath(outFile), true],
  ] as const) {
    const bytes = await writeWorkflowBundle(file, { tracing });
    process.stderr.write(`workflow bundle: ${file} (${Math.round(bytes / 1024)} KiB)\n`);
  }
}

if (require.main === module) {
  const outFile = path.resolve(process.argv[2] ?? path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js'));
  writeBoth(outFile).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
