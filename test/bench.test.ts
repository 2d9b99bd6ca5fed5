// The benchmark (npm run bench) still runs and checks what it claims: a short run, no speed asserted.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';

void it('npm run bench: a short run accepts orders and every started order reaches Hublify exactly once', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join('scripts', 'bench-webhook.ts'), '--duration', '2', '--connections', '2', '--json'],
    { cwd: path.resolve(__dirname, '..'), maxBuffer: 16 << 20 },
  );
  const result = JSON.parse(stdout.slice(stdout.indexOf('{\n'))) as {
    webhook: { accepted: number; non2xx: number; errors: number };
    system: { startedOrders: number; inHublify: number; hublifyOrders: number; duplicates: number; allInHublify: boolean };
  };
  assert.ok(result.webhook.accepted > 0, 'orders were accepted');
  assert.equal(result.webhook.non2xx, 0);
  assert.ok(result.system.startedOrders >= result.webhook.accepted);
  assert.equal(result.system.inHublify, result.system.startedOrders);
  assert.equal(result.system.hublifyOrders, result.system.startedOrders);
  assert.equal(result.system.duplicates, 0);
  assert.equal(result.system.allInHublify, true);
});
