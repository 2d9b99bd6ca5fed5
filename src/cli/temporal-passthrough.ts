// `order-relay temporal …`: the project's Temporal CLI (TEMPORAL_CLI_PATH, a `temporal` on PATH, or the
// one `npm start` built into .tools/bin — found as src/temporal/temporal-cli.ts finds it), run with the
// arguments as given, pointed at the relay's Temporal: TEMPORAL_ADDRESS, else the dev server `npm start`
// runs. So every `temporal …` command in the docs runs as written with `npx order-relay` in front.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { type ToolDirs, toolInBin } from '../temporal/go-tools';
import { findTemporalCli } from '../temporal/temporal-cli';

export interface PassthroughIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** The Temporal CLI's environment: its own variables win; the address defaults to `npm start`'s dev server. */
export function temporalCliEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS || `127.0.0.1:${env.TEMPORAL_DEV_PORT || '7233'}` };
}

/** Runs the Temporal CLI; resolves with its exit code (2 when there is none to run). */
export async function runTemporalCli(args: string[], io: PassthroughIo, toolDirs?: ToolDirs): Promise<number> {
  let binary: string | undefined;
  try {
    binary = findTemporalCli(io.env, toolDirs);
  } catch (err) {
    io.err(`order-relay: ${(err as Error).message}\n`);
    return 2;
  }
  // A CLI built from older pins still talks to any Temporal: run it, and say that `npm start` renews it.
  const stale = binary ? undefined : toolInBin('temporal', toolDirs);
  if (stale) {
    io.err(
      `order-relay: ${stale.file} was built before tools/temporal/go.sum last changed; \`npm start\` builds it again. Running it meanwhile.\n`,
    );
    binary = stale.file;
  }
  if (!binary) {
    io.err(
      'order-relay: no Temporal CLI yet: `npm start` builds it into .tools/bin the first time (needs Go); or set TEMPORAL_CLI_PATH to a `temporal` binary, or put one on PATH\n',
    );
    return 2;
  }
  const child = spawn(binary, args, { env: temporalCliEnv(io.env), stdio: ['inherit', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => io.out(c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => io.err(c.toString('utf8')));
  return new Promise((resolve) => {
    child.once('error', (err) => {
      io.err(`order-relay: cannot run ${binary}: ${err.message}\n`);
      resolve(2);
    });
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
