// Runs the Temporal CLI's dev server (full server, SQLite persistence, Web UI) as a child process,
// for `npm start` without TEMPORAL_ADDRESS. Tests use @temporalio/testing with the same binary.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pollUntil, PollTimeoutError } from '../poll-until';

export interface DevServerOptions {
  cliPath: string;
  ip: string;
  port: number;
  uiPort: number;
  dbFile: string;
  namespace: string;
  log: (line: string) => void;
  /** The Web UI's remote codec (order-relay's /codec), so the UI shows decrypted payloads. */
  uiCodecEndpoint?: string;
  /** SQLite pragmas of the database file; default DEV_SERVER_SQLITE_PRAGMAS (the bench compares others). */
  sqlitePragmas?: readonly string[];
}

export interface DevServer {
  address: string;
  uiUrl: string;
  /** The server's process id (the bench reads its CPU time). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * SQLite journaling of the dev server's file: write-ahead log, synced at checkpoints rather than at every
 * commit. Measured (docs/benchmarks.md): raw workflow starts at 32 concurrent starters rose from ~55/s to
 * ~129/s. A committed transaction survives a crash of the server process (the WAL is in the OS's page
 * cache, replayed at the next open); it does NOT survive a power loss or kernel crash, which can drop the
 * last transactions before a checkpoint. That is acceptable for the embedded development server only;
 * production runs Temporal on PostgreSQL (docker-compose.yml).
 */
export const DEV_SERVER_SQLITE_PRAGMAS: readonly string[] = ['journal_mode=wal', 'synchronous=normal'];

/** `--sqlite-pragma` flags of `temporal server start-dev` for the given pragmas. */
export const sqlitePragmaArgs = (pragmas: readonly string[] = DEV_SERVER_SQLITE_PRAGMAS): string[] =>
  pragmas.flatMap((p) => ['--sqlite-pragma', p]);

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const address = `${opts.ip}:${opts.port}`;
  if (await canConnect(opts.ip, opts.port)) {
    throw new Error(
      `port ${address} is already in use: stop whatever listens there, or set TEMPORAL_ADDRESS=${address} to use it`,
    );
  }
  mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    opts.ip,
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--db-filename',
    opts.dbFile,
    ...sqlitePragmaArgs(opts.sqlitePragmas),
    '--namespace',
    opts.namespace,
    '--log-level',
    'warn',
    '--log-format',
    'json',
    ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
  ];
  const child: ChildProcess = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      opts.log(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const exitedEarly = () =>
    child.exitCode !== null || child.signalCode !== null
      ? `Temporal dev server exited (${child.exitCode ?? child.signalCode}):\n${tail.join('\n')}`
      : undefined;
  await pollUntil(() => canConnect(opts.ip, opts.port), {
    what: `the Temporal dev server to listen on ${address}`,
    timeoutMs: 60_000,
    everyMs: 200,
    abortIf: exitedEarly,
    detail: () => `its last lines:\n${tail.join('\n')}`,
  }).catch((err: unknown) => {
    if (err instanceof PollTimeoutError) child.kill('SIGKILL');
    throw err;
  });

  return {
    address,
    uiUrl: `http://${opts.ip}:${opts.uiPort}`,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
