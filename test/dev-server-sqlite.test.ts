// The embedded dev server (npm start) keeps its SQLite file in write-ahead-log mode: after a committed
// workflow start the file has its -wal companion, and the start survives a restart of the server.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { freeLoopbackPort } from '../src/net/free-port';
import { startDevServer, type DevServer } from '../src/temporal/dev-server';
import { temporalCliForTests } from './helpers/temporal';

const dir = mkdtempSync(path.join(tmpdir(), 'order-relay-devserver-'));
const dbFile = path.join(dir, 'temporal.sqlite');
let server: DevServer | undefined;
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<DevServer> {
  const [port, uiPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  return startDevServer({
    cliPath: temporalCliForTests(),
    ip: '127.0.0.1',
    port,
    uiPort,
    dbFile,
    namespace: 'default',
    log: () => undefined,
  });
}

async function withClient<T>(address: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

void it('the dev server journals its SQLite file with a write-ahead log, and a started workflow outlives a server restart', async () => {
  server = await start();
  assert.ok(server.pid > 0, 'the server process id is known');
  await withClient(server.address, (client) =>
    client.workflow.start('noSuchWorkflowType', { taskQueue: 'wal-check', workflowId: 'wal-check-1' }),
  );
  // journal_mode=wal: SQLite writes commits to <file>-wal (the default rollback journal leaves no such file).
  assert.ok(existsSync(`${dbFile}-wal`), 'a -wal file beside the database');

  await server.stop();
  server = await start();
  const described = await withClient(server.address, (client) => client.workflow.getHandle('wal-check-1').describe());
  assert.equal(described.status.name, 'RUNNING');
});
