// `npm start`'s entry point (src/main.ts) as a child process, as a user runs it, on free ports.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pollUntil } from '../../src/poll-until';

const root = path.resolve(__dirname, '../..');

export interface Started {
  child: ChildProcess;
  output: () => string;
}

export function start(env: Record<string, string>): Started {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'main.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  return { child, output: () => output };
}

/** Polls `check` every 250 ms; on timeout the error carries the process's output. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  output: () => string,
): Promise<void> {
  await pollUntil(check, { what, timeoutMs, everyMs: 250, detail: () => `output:\n${output()}` });
}

export async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGINT');
  return exited;
}
