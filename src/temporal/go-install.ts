// Builds a Go command from the Go module proxy into the project's .tools/bin with `go install`
// (these machines have no internet, but the module proxy works). Used for the Temporal CLI and for
// the Temporal server on PostgreSQL (scripts/temporal-server/).
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';

export const PROJECT_TOOLS_BIN = path.join(PROJECT_ROOT, '.tools', 'bin');
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

export interface GoInstallOptions {
  /** `module/path/cmd/name@version` */
  pkg: string;
  /** The binary `go install` writes (the last path element of the package). */
  builtName: string;
  /** The name it gets in .tools/bin. */
  targetName: string;
  /** Prefix of progress lines, e.g. `temporal-cli`. */
  label: string;
  log?: (line: string) => void;
}

/** Builds one package into .tools/bin, streaming progress. Takes minutes the first time. */
export async function goInstall(opts: GoInstallOptions): Promise<string> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { label } = opts;
  // Build into a scratch folder and move into place, so an interrupted build never leaves half a binary.
  const scratch = path.join(PROJECT_ROOT, '.tools', `build-${label}-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  mkdirSync(PROJECT_TOOLS_BIN, { recursive: true });
  log(`[${label}] building ${opts.pkg} with go install (first time only; a few minutes)…`);
  const started = Date.now();
  const heartbeat = setInterval(() => log(`[${label}] still building… ${Math.round((Date.now() - started) / 1000)}s`), 15_000);
  try {
    let lastError = '';
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('go', ['install', '-v', opts.pkg], {
        env: { ...process.env, GOBIN: scratch, GOFLAGS: '-mod=mod' },
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
    if (code !== 0) throw new Error(`go install ${opts.pkg} failed with exit code ${code}${lastError ? `: ${lastError}` : ''}`);
    const target = path.join(PROJECT_TOOLS_BIN, opts.targetName + EXE);
    renameSync(path.join(scratch, opts.builtName + EXE), target);
    log(`[${label}] built ${target} in ${Math.round((Date.now() - started) / 1000)}s`);
    return target;
  } finally {
    clearInterval(heartbeat);
    rmSync(scratch, { recursive: true, force: true });
  }
}
