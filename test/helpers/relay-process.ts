// order-relay as its own OS process (`src/main.ts`, the entry point `npm start` and the image run),
// with one role (ORDER_RELAY_ROLES=api or worker), for tests of the production topology: several
// processes against one Temporal server, killed or stopped as an orchestrator would.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freeLoopbackPort } from '../../src/net/free-port';

const root = path.resolve(__dirname, '..', '..');

export interface RelayProcessOptions {
  role: 'api' | 'worker';
  /** A name for error messages, e.g. `api-1`. */
  name: string;
  /** Environment beyond the role and port (Temporal address, Hublify, secrets, timings…). */
  env: Record<string, string>;
  /** How long to wait for "order-relay is running" (default 120 s: a loaded 2-core machine). */
  readyTimeoutMs?: number;
}

export interface RelayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RelayProcess {
  name: string;
  child: ChildProcess;
  /** http://127.0.0.1:port of an API process. */
  baseUrl?: string;
  /** A worker process's Prometheus endpoint (WORKER_METRICS_ADDRESS). */
  metricsUrl?: string;
  /** Milliseconds from spawn to "order-relay is running". */
  startMs: number;
  exited: Promise<RelayExit>;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM, then its exit. */
  stop(): Promise<RelayExit>;
  kill(): Promise<RelayExit>;
}

export async function startRelayProcess(opts: RelayProcessOptions): Promise<RelayProcess> {
  const port = opts.role === 'api' ? await freeLoopbackPort() : 0;
  const metricsPort = opts.role === 'worker' ? await freeLoopbackPort() : 0;
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'main.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKER_METRICS_ADDRESS: metricsPort ? `127.0.0.1:${metricsPort}` : 'off',
      ...opts.env,
      ORDER_RELAY_ROLES: opts.role,
    },
  });
  const tail: string[] = [];
  let running!: () => void;
  const ready = new Promise<void>((resolve) => (running = resolve));
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.includes('order-relay is running')) running();
      if (!line) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<RelayExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const output = () => tail.join('\n');
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };

  const timeoutMs = opts.readyTimeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await signal('SIGKILL');
    throw new Error(
      `${opts.name} (${opts.role}) ${outcome === 'exited' ? 'exited' : `did not start in ${timeoutMs} ms`}:\n${output()}`,
    );
  }
  return {
    name: opts.name,
    child,
    ...(opts.role === 'api'
      ? { baseUrl: `http://127.0.0.1:${port}` }
      : { metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` }),
    startMs: Date.now() - started,
    exited,
    output,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}
