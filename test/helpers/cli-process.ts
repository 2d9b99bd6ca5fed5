// The operator CLI `order-relay` as a child process against a test system, as an operator runs it:
// one-shot commands, and long-running ones (`orders watch`) whose output a test reads line by line.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { PATIENCE_MS } from './patience';
import {
  FAST_TIMINGS,
  TEST_CHANNEL_TOKEN,
  TEST_HUBLIFY_PUSH_TOKEN,
  TEST_WEBHOOK_SECRET,
  type TestSystem,
} from './system';

const root = path.resolve(__dirname, '../..');
const ENTRY = ['--import', 'tsx', 'src/cli/order-relay.ts'];

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment an operator's shell would have: the same variables as the relay's. */
export function cliEnv(system: TestSystem): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    TEMPORAL_ADDRESS: system.env.address,
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    HUBLIFY_URL: system.sandbox.url,
    HUBLIFY_CHANNEL_TOKEN: TEST_CHANNEL_TOKEN,
    HUBLIFY_WEBHOOK_TOKEN: TEST_HUBLIFY_PUSH_TOKEN,
    HUBLIFY_TIMEOUT_MS: '2000',
    APICBASE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    DATA_DIR: system.dataDir,
    LOG_LEVEL: 'silent',
    ...FAST_TIMINGS,
  };
}

function spawnCli(system: TestSystem, args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...ENTRY, ...args], { cwd: root, env: { ...cliEnv(system), ...env }, stdio: 'pipe' });
}

export function runCliProcess(system: TestSystem, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return finished(spawnCli(system, args, env));
}

/** Runs with --json, asserts exit 0 (naming the command and its output otherwise) and parses stdout. */
export async function runCliJson<T>(system: TestSystem, args: string[], env: Record<string, string> = {}): Promise<T> {
  const r = await runCliProcess(system, [...args, '--json'], env);
  assert.equal(r.code, 0, `order-relay ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** `npx order-relay …` (the package's bin) with exactly this environment. */
export function runOrderRelayBin(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return finished(spawn(process.execPath, ['bin/order-relay.cjs', ...args], { cwd: root, env, stdio: 'pipe' }));
}

/** `npm run demo -- …` (the script runs `tsx src/cli/demo.ts`) with exactly this environment. */
export function runDemoProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return finished(
    spawn(process.execPath, ['--import', 'tsx', 'src/cli/demo.ts', ...args], { cwd: root, env, stdio: 'pipe' }),
  );
}

/** Collects a command's output until it exits (killed after PATIENCE_MS: a hung command fails its test). */
function finished(child: ChildProcessWithoutNullStreams): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const killer = setTimeout(() => child.kill('SIGKILL'), PATIENCE_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running CLI command: wait for a line of its output, then stop it as Ctrl-C would. */
export interface CliStream {
  lines: string[];
  /** Resolves with the first line (already printed or still to come) that matches; fails after PATIENCE_MS. */
  waitForLine(match: (line: string) => boolean, what: string): Promise<string>;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code and all output. */
  interrupt(): Promise<CliRun>;
  /** Kills it (test clean-up). */
  kill(): void;
}

export function startCliStream(system: TestSystem, args: string[], env: Record<string, string> = {}): CliStream {
  const child = spawnCli(system, args, env);
  child.stdin.end();
  const lines: string[] = [];
  let stdout = '';
  let partial = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  let exited = false;
  void closed.then(() => {
    exited = true;
    for (const l of listeners) l();
  });
  child.stdout.on('data', (c: Buffer) => {
    const text = c.toString('utf8');
    stdout += text;
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const l of listeners) l();
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return {
    lines,
    waitForLine: (match, what) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find(match);
          if (line !== undefined) return done(() => resolve(line));
          if (exited)
            done(() =>
              reject(new Error(`the CLI exited before printing ${what}\nstdout: ${stdout}\nstderr: ${stderr}`)),
            );
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`no line with ${what} within ${PATIENCE_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`)),
            ),
          PATIENCE_MS,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      }),
    interrupt: async () => {
      child.kill('SIGINT');
      const code = await closed;
      return { code, stdout, stderr };
    },
    kill: () => {
      if (!exited) child.kill('SIGKILL');
    },
  };
}
