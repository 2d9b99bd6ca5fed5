// Starts the Temporal server on PostgreSQL as a child process: sets up its schema, writes a minimal
// one-node config, starts all four services on free loopback ports, then registers the namespace and
// order-relay's search attributes through the frontend (as an operator would on a cluster) and waits
// until the namespace answers visibility queries on them.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { grpc } from '@temporalio/proto';
import { freeLoopbackPort } from '../../src/net/free-port';
import { pollUntil } from '../../src/poll-until';
import { registerSearchAttributes } from '../../src/temporal/search-attributes';
import { postgresSchemaDir, type TemporalServerBinaries } from './binaries';
import type { PostgresTarget } from './postgres-target';
import { setUpTemporalSchema } from './schema';
import { PASSWORD_ENV, PORT_NAMES, renderServerConfig, type ServerPorts } from './server-config';

const GRPC_ALREADY_EXISTS = 6;

export interface TemporalServerOptions {
  binaries: TemporalServerBinaries;
  postgres: PostgresTarget;
  /** Config and the server's log (server.log) go here. */
  dir: string;
  ip?: string;
  /** The frontend's gRPC port (what clients and workers connect to); 0 or unset = a free port. */
  port?: number;
  namespace?: string;
  /** Fixed for the cluster's life; default 4 (docs/scaling.md: production needs more). */
  numHistoryShards?: number;
  maxConns?: number;
  /** Server log level (default warn); lines go to dir/server.log. */
  logLevel?: string;
  /** How long to wait for the server to serve the namespace (default 120 s; a loaded 2-core machine is slow). */
  readyTimeoutMs?: number;
}

export interface RunningTemporalServer {
  /** host:port of the frontend */
  address: string;
  namespace: string;
  logFile: string;
  pid: number;
  stop(): Promise<void>;
}

async function freePorts(frontend: number | undefined): Promise<ServerPorts> {
  const ports: Partial<ServerPorts> = {};
  const taken = new Set<number>();
  for (const name of PORT_NAMES) {
    // The server records membership ports in a PostgreSQL smallint: freeLoopbackPort's stay below 32768.
    const pick = () => (name === 'frontend' && frontend ? Promise.resolve(frontend) : freeLoopbackPort());
    let port = await pick();
    while (taken.has(port)) port = await pick();
    taken.add(port);
    ports[name] = port;
  }
  return ports as ServerPorts;
}

function logTail(file: string): string {
  try {
    // JSON log lines carry whole stack traces: the start of each is what says what went wrong.
    return readFileSync(file, 'utf8')
      .split('\n')
      .slice(-12)
      .map((l) => l.slice(0, 400))
      .join('\n');
  } catch {
    return '(no log)';
  }
}

/** Waits for one step of the server's start; `died` ends the wait at once when the process exited. */
function until<T>(
  what: string,
  timeoutMs: number,
  attempt: () => Promise<T | undefined>,
  died: () => string | undefined,
): Promise<T> {
  return pollUntil(attempt, { what: `the Temporal server: ${what}`, timeoutMs, everyMs: 250, abortIf: died });
}

export async function startTemporalServer(opts: TemporalServerOptions): Promise<RunningTemporalServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  await setUpTemporalSchema(opts.binaries.sqlTool, opts.postgres, postgresSchemaDir());

  const ports = await freePorts(opts.port);
  const configDir = path.join(opts.dir, 'config');
  mkdirSync(configDir, { recursive: true });
  const { password, ...postgres } = opts.postgres;
  writeFileSync(
    path.join(configDir, 'order-relay.yaml'),
    renderServerConfig({
      ip,
      ports,
      postgres,
      numHistoryShards: opts.numHistoryShards ?? 4,
      maxConns: opts.maxConns ?? 5,
      logLevel: opts.logLevel ?? 'warn',
    }),
  );
  const logFile = path.join(opts.dir, 'server.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(
    opts.binaries.server,
    ['--root', opts.dir, '--config', 'config', '--env', 'order-relay', '--allow-no-auth', 'start'],
    {
      env: { ...process.env, [PASSWORD_ENV]: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const died = () =>
    child.exitCode !== null || child.signalCode !== null
      ? `Temporal server exited (${child.exitCode ?? child.signalCode}); the end of ${logFile}:\n${logTail(logFile)}`
      : undefined;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    }
    log.end();
  };

  const address = `${ip}:${ports.frontend}`;
  try {
    const connection = await until(
      'frontend listening',
      readyTimeoutMs,
      () => Connection.connect({ address, connectTimeout: 2_000 }),
      died,
    );
    try {
      await until(
        'frontend serving',
        readyTimeoutMs,
        async () =>
          (await connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }))
            .status === grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING
            ? true
            : undefined,
        died,
      );
      await until(
        `namespace ${namespace} registered`,
        readyTimeoutMs,
        async () => {
          try {
            await connection.workflowService.registerNamespace({
              namespace,
              workflowExecutionRetentionPeriod: msToTs('3 days'),
            });
          } catch (err) {
            if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
          }
          return true;
        },
        died,
      );
      await until(
        'search attributes registered',
        readyTimeoutMs,
        async () => (await registerSearchAttributes(connection, namespace), true),
        died,
      );
      // The frontend reloads namespaces every couple of seconds: ready once a visibility query on our
      // attributes is accepted in the namespace.
      await until(
        'namespace answering visibility queries',
        readyTimeoutMs,
        async () => (
          await connection.workflowService.countWorkflowExecutions({ namespace, query: 'OrderStage = "RECEIVED"' }),
          true
        ),
        died,
      );
    } finally {
      await connection.close();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, namespace, logFile, pid: child.pid!, stop };
}
