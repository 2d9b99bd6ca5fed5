// Guards determinism: every recorded history in test/histories must replay on today's workflow code.
// A change that would break running workflows fails here; record new histories (and keep the old
// ones) only together with a versioned (patched) change.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { bundleOrderWorkflows } from '../src/worker/order-worker';

const dir = path.join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

void describe('replay of recorded histories', () => {
  const bundle = bundleOrderWorkflows();

  void it('has recorded histories to replay', () => {
    assert.ok(files.length >= 5, `found ${files.length}`);
  });

  for (const file of files) {
    void it(`replays ${file}`, async () => {
      const history: unknown = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: await bundle, replayName: file }, history);
    });
  }
});
