// An unreachable Temporal is reported within TEMPORAL_CONNECT_TIMEOUT_MS, by the CLI and the demo alike, and
// the message names the address it tried and the setting that bounds the wait (issue 26.10). The CLI and the
// demo run as processes against a listener that accepts connections and never answers (a Temporal that hangs).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { loadConfig } from '../src/config';
import { connectOperations } from '../src/operations/context';
import { OperationError } from '../src/operations/errors';
import { runDemoProcess, runOrderRelayBin } from './helpers/cli-process';

void describe('an unreachable Temporal', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'order-relay-connect-timeout-'));
  let silent: Server;
  let address: string;
  let connections = 0;
  const sockets = new Set<Socket>();
  before(async () => {
    silent = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });
  const env = (extra: Record<string, string>) => ({
    PATH: process.env.PATH ?? '',
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    TEMPORAL_ADDRESS: address,
    ...extra,
  });

  void it('the CLI connects with TEMPORAL_CONNECT_TIMEOUT_MS (default 5000) and names address and setting', async () => {
    assert.equal(loadConfig({}).TEMPORAL_CONNECT_TIMEOUT_MS, 5_000, 'the documented default');
    const seen: ConnectionOptions[] = [];
    const connect = mock.method(Connection, 'connect', (options: ConnectionOptions) => {
      seen.push(options);
      return Promise.reject(new Error('Failed to connect before the deadline'));
    });
    try {
      const config = loadConfig({
        TEMPORAL_ADDRESS: '127.0.0.1:7999',
        TEMPORAL_CONNECT_TIMEOUT_MS: '250',
        DATA_DIR: dataDir,
      });
      await assert.rejects(connectOperations(config), (err: unknown) => {
        assert.ok(err instanceof OperationError && err.kind === 'unavailable', String(err));
        assert.match(
          err.message,
          /unreachable at 127\.0\.0\.1:7999: no answer within 250 ms \(TEMPORAL_CONNECT_TIMEOUT_MS\)/,
        );
        return true;
      });
    } finally {
      connect.mock.restore();
    }
    assert.deepEqual(
      seen.map((o) => [o.address, o.connectTimeout]),
      [['127.0.0.1:7999', 250]],
      'one connection attempt, bounded by the setting',
    );
  });

  void it('`npx order-relay orders list` against a Temporal that never answers: exit 4, naming the address and the setting', async () => {
    const before = connections;
    const r = await runOrderRelayBin(['orders', 'list'], env({ TEMPORAL_CONNECT_TIMEOUT_MS: '300' }));
    assert.equal(r.code, 4, r.stderr);
    assert.ok(connections > before, 'the CLI did reach the address and waited for an answer');
    assert.match(
      r.stderr,
      new RegExp(
        `Temporal is unreachable at ${address.replace(/\./g, '\\.')}: no answer within 300 ms \\(TEMPORAL_CONNECT_TIMEOUT_MS\\)`,
      ),
    );
    assert.match(r.stderr, new RegExp(`check TEMPORAL_ADDRESS=${address.replace(/\./g, '\\.')}`));
  });

  void it('`npm run demo -- --via pull` honours the same setting', async () => {
    const before = connections;
    const r = await runDemoProcess(
      ['--via', 'pull', '--temporal', address, '--apicbase-sandbox', 'http://127.0.0.1:9'],
      env({ TEMPORAL_CONNECT_TIMEOUT_MS: '300' }),
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(connections > before, 'the demo did reach the address');
    assert.match(
      r.stderr,
      /demo failed: Temporal is unreachable at .*: no answer within 300 ms \(TEMPORAL_CONNECT_TIMEOUT_MS\)/,
    );
  });
});
