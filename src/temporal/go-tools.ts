// Builds the Temporal binaries from the Go module proxy into the project's .tools/bin (these machines
// have no internet, but the module proxy works): the CLI (the embedded default's dev server) and the
// Temporal server and schema tool on PostgreSQL (scripts/temporal-server/). Their versions are pinned
// in one Go module, tools/temporal (go.mod and go.sum), so every download is checked against go.sum
// and the server is compiled at the very versions the CLI embeds: once the CLI is built, the server
// reuses its compiled packages and takes seconds, not a second cold build.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';

export const PROJECT_TOOLS_BIN = path.join(PROJECT_ROOT, '.tools', 'bin');
export const GO_TOOLS_MODULE_DIR = path.join(PROJECT_ROOT, 'tools', 'temporal');
export const EXE = process.platform === 'win32' ? '.exe' : '';

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function goAvailable(): boolean {
  return spawnSync('go', ['version']).status === 0;
}

/** The go command's environment for the pinned module: its go.mod as committed, no workspace. */
function goToolsEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=readonly' };
}

export type ToolDirs = { bin: string; module: string };
const PROJECT_TOOL_DIRS: ToolDirs = { bin: PROJECT_TOOLS_BIN, module: GO_TOOLS_MODULE_DIR };

/**
 * .tools/bin/<name> if it is there, and whether it was built from the go.sum now committed: a go.sum
 * newer than the binary means new pins, and the binary is due to be built again.
 */
export function toolInBin(
  targetName: string,
  dirs: ToolDirs = PROJECT_TOOL_DIRS,
): { file: string; current: boolean } | undefined {
  const file = path.join(dirs.bin, targetName + EXE);
  if (!isExecutable(file)) return undefined;
  // Without the module (an image that copied only the binaries) there are no pins to compare with.
  const pinned = statSync(path.join(dirs.module, 'go.sum'), { throwIfNoEntry: false });
  return { file, current: !pinned || statSync(file).mtimeMs >= pinned.mtimeMs };
}

/** .tools/bin/<name>, when it was built from the go.sum now committed (else it is built again). */
export function builtTool(targetName: string, dirs: ToolDirs = PROJECT_TOOL_DIRS): string | undefined {
  const tool = toolInBin(targetName, dirs);
  return tool?.current ? tool.file : undefined;
}

export interface GoToolBuild {
  /** A main package in tools/temporal's build list, e.g. `go.temporal.io/server/cmd/server`. */
  pkg: string;
  /** The name it gets in .tools/bin. */
  targetName: string;
  /** Prefix of progress lines, e.g. `temporal-cli`. */
  label: string;
  log?: (line: string) => void;
}

/** Builds one package into .tools/bin, streaming progress. Takes minutes the first time. */
export async function buildGoTool(opts: GoToolBuild): Promise<string> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { label } = opts;
  // Build into a scratch folder and move into place, so an interrupted build never leaves half a binary.
  const scratch = path.join(PROJECT_ROOT, '.tools', `build-${label}-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  mkdirSync(PROJECT_TOOLS_BIN, { recursive: true });
  log(`[${label}] building ${opts.pkg} (tools/temporal/go.mod) with go build (first time only; a few minutes)…`);
  const started = Date.now();
  const heartbeat = setInterval(
    () => log(`[${label}] still building… ${Math.round((Date.now() - started) / 1000)}s`),
    15_000,
  );
  try {
    let lastError = '';
    const built = path.join(scratch, opts.targetName + EXE);
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('go', ['build', '-v', '-o', built, opts.pkg], {
        cwd: GO_TOOLS_MODULE_DIR,
        env: goToolsEnv(),
        stdio: ['ignore', 'inherit', 'pipe'],
      });
      let packages = 0;
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) {
          packages += 1;
          if (/error|cannot|go: /i.test(line)) lastError = line;
          // -v prints one line per compiled package: show a sample, not hundreds of lines.
          if (packages % 50 === 0 || /error|cannot|go: /i.test(line)) log(`[${label}] (${packages} packages) ${line}`);
        }
      });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0)
      throw new Error(
        `go build ${opts.pkg} (in tools/temporal) failed with exit code ${code}${lastError ? `: ${lastError}` : ''}`,
      );
    const target = path.join(PROJECT_TOOLS_BIN, opts.targetName + EXE);
    renameSync(built, target);
    log(`[${label}] built ${target} in ${Math.round((Date.now() - started) / 1000)}s`);
    return target;
  } finally {
    clearInterval(heartbeat);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The folder of a module in tools/temporal's build list, in the Go module cache (downloaded if missing). */
export function goToolsModuleDir(module: string): string {
  // `go mod download` is instant when the module is cached (the build put it there) and names its folder.
  const result = spawnSync('go', ['mod', 'download', '-json', module], {
    cwd: GO_TOOLS_MODULE_DIR,
    env: goToolsEnv(),
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `go mod download ${module} (in tools/temporal) failed: ${(result.stderr || result.stdout || String(result.error)).trim()}`,
    );
  }
  const dir = (JSON.parse(result.stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download named no folder for ${module} (in tools/temporal)`);
  return dir;
}
