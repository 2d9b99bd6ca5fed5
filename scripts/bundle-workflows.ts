// `npm run build`'s second step: bundles workflows/ (with the codec's failure converter) into one file
// that workers load through WORKFLOW_BUNDLE_PATH, so a production worker starts without webpack.
// Usage: tsx scripts/bundle-workflows.ts [out-file]   (default dist/workflow-bundle.js)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import { bundleOrderWorkflows } from '../src/worker/order-worker';

export async function writeWorkflowBundle(outFile: string): Promise<number> {
  const { code } = await bundleOrderWorkflows();
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return code.length;
}

if (require.main === module) {
  const outFile = path.resolve(process.argv[2] ?? path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js'));
  writeWorkflowBundle(outFile)
    .then((bytes) => process.stderr.write(`workflow bundle: ${outFile} (${Math.round(bytes / 1024)} KiB)\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
