// Cross-replay: replays a folder of recorded histories on the workflow code of another commit, so a
// reshape of workflow code is proven both ways — histories recorded on the old code replay on the new
// (test/replay.test.ts), and histories recorded on the new code replay on the old (this script).
//
//   HISTORIES_OUT=/tmp/new-histories npm run record-histories            # record on this checkout
//   npm run cross-replay -- --commit main --histories /tmp/new-histories  # replay them on main's code
//
// It checks the commit out in a temporary git worktree (sharing this checkout's node_modules), puts the
// histories in its test/histories, runs only its replay test's `replays <file>` cases, and removes the worktree.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';

const root = path.resolve(__dirname, '..');

function crossReplay(commit: string, histories: string): number {
  const files = readdirSync(histories).filter((f) => f.endsWith('.json'));
  if (files.length === 0) throw new Error(`no .json histories in ${histories}`);
  const tree = path.join(mkdtempSync(path.join(tmpdir(), 'cross-replay-')), 'tree');
  execFileSync('git', ['worktree', 'add', '--detach', tree, commit], { cwd: root, stdio: 'inherit' });
  try {
    symlinkSync(path.join(root, 'node_modules'), path.join(tree, 'node_modules'));
    const target = path.join(tree, 'test', 'histories');
    rmSync(target, { recursive: true, force: true });
    cpSync(histories, target, { recursive: true });
    process.stdout.write(`replaying ${files.length} histories from ${histories} on ${commit}\n`);
    try {
      execFileSync(
        process.execPath,
        ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-name-pattern=^replays ', 'test/replay.test.ts'],
        { cwd: tree, stdio: 'inherit' },
      );
      return 0;
    } catch {
      return 1;
    }
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: root, stdio: 'inherit' });
  }
}

const program = new Command('cross-replay')
  .description('replay recorded histories on the workflow code of another commit')
  .requiredOption('--commit <rev>', 'the commit whose workflow code replays them (e.g. main, a hash)')
  .requiredOption(
    '--histories <dir>',
    'a folder of recorded histories (e.g. written by HISTORIES_OUT=<dir> npm run record-histories)',
  )
  .action((opts: { commit: string; histories: string }) => {
    process.exitCode = crossReplay(opts.commit, path.resolve(opts.histories));
  });
program.parse();
