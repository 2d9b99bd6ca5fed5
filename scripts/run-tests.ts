// npm test's runner: Node's own test runner (node:test's run()), two test files at a time, the longest
// first. `node --test` sorts its files by name, so the two-minute soak and the CLI suite started near
// the end and ran alone; run() keeps the order it is given. Files named on the command line run
// instead of all of them: `npm run test:only -- test/smoke.test.ts`.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { run } from 'node:test';
import { tap } from 'node:test/reporters';
import { Command } from 'commander';

const ROOT = path.resolve(__dirname, '..');
/** The slowest files (about 5, 4, 3 and 2 minutes on a busy two-core machine), started first. */
const LONGEST_FIRST = [
  'test/soak.test.ts',
  'test/cli.test.ts',
  'test/model-check.test.ts',
  'test/cluster/proof.test.ts',
  'test/cluster/roles.test.ts',
];

function allTestFiles(): string[] {
  const inDir = (dir: string) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => `${dir}/${f}`);
  const all = [...inDir('test'), ...inDir('test/cluster')];
  const unknown = LONGEST_FIRST.filter((f) => !all.includes(f));
  if (unknown.length) throw new Error(`scripts/run-tests.ts names test files that do not exist: ${unknown.join(', ')}`);
  return [...LONGEST_FIRST, ...all.filter((f) => !LONGEST_FIRST.includes(f))];
}

const cli = new Command('run-tests')
  .argument('[files...]', 'test files to run, in this order (default: all, the longest first)')
  .option('--concurrency <n>', 'test files at a time', '2')
  .option('--timeout <ms>', 'a test that runs longer fails', '900000')
  .parse();
const opts = cli.opts<{ concurrency: string; timeout: string }>();
const files = cli.args.length ? cli.args : allTestFiles();

let failed = false;
const stream = run({
  files: files.map((f) => path.resolve(ROOT, f)),
  concurrency: Number(opts.concurrency),
  timeout: Number(opts.timeout),
});
stream.on('test:fail', () => (failed = true));
stream.compose(tap).pipe(process.stdout);
stream.on('end', () => {
  if (failed) process.exitCode = 1;
});
