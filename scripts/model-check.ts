// `npm run model-check -- --runs N --seed S [--ignore I3,I8] [--sequence '<printed>']`: random sequences
// of support actions, Hublify faults and restarts against the real system, the invariants I1–I9 of
// issue 22 checked after every step (scripts/model-check/). Exits 1 when an invariant broke, printing
// the minimal sequence and the command that replays it. docs/reliability.md ("Model check") explains it.
import { Command, InvalidArgumentError } from 'commander';
import { COMMAND_NAMES } from './model-check/commands';
import { INVARIANT_NAMES } from './model-check/invariants';
import { printModelCheck, runModelCheck, runReproductions } from './model-check/run';
import { World } from './model-check/world';

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

const invariantList = (value: string) => {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(INVARIANT_NAMES as string[]).includes(n));
  if (unknown.length)
    throw new InvalidArgumentError(`unknown invariants ${unknown.join(', ')} (known: ${INVARIANT_NAMES.join(', ')})`);
  return names;
};

const program = new Command('model-check')
  .description(
    'a model-based random test of the order lifecycle against the real system (Temporal dev server, worker, Hublify sandbox, store)',
  )
  .option('--runs <n>', 'sequences to draw', positiveInt('--runs'), 10)
  .option('--seed <s>', 'fast-check seed', (v) => Math.trunc(Number(v)), Date.now() % 1_000_000)
  .option('--max-commands <n>', 'longest sequence drawn', positiveInt('--max-commands'), 20)
  .option(
    '--shrink-minutes <n>',
    'stop shrinking a failure after this long; the smallest sequence found is printed',
    (v) => Number(v),
    5,
  )
  .option('--minutes <n>', 'stop drawing new sequences after this long', (v) => Number(v))
  .option(
    '--ignore <invariants>',
    'invariants not checked, e.g. I3,I8 (their violations are counted)',
    invariantList,
    [],
  )
  .option(
    '--sequence <commands>',
    `replay one printed sequence instead (commands: ${COMMAND_NAMES.join(' ')}; a trailing ~ = do not wait for quiet)`,
  )
  .option(
    '--reproductions',
    "replay issue 22's reproduced items (scripts/model-check/reproductions.ts), each with only its invariant checked",
  )
  .option('--verbose', 'log what each step left behind (relay, Hublify, store, the answer)')
  .option('--json', 'print the result as JSON')
  .action(
    async (opts: {
      runs: number;
      seed: number;
      maxCommands: number;
      shrinkMinutes: number;
      minutes?: number;
      ignore: string[];
      sequence?: string;
      reproductions?: boolean;
      verbose?: boolean;
      json?: boolean;
    }) => {
      if (opts.reproductions) {
        const world = await World.start();
        try {
          const outcomes = await runReproductions(world, (line) => process.stdout.write(`${line}\n`));
          if (opts.json) process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
        } finally {
          await world.close();
        }
        return;
      }
      const result = await runModelCheck({
        runs: opts.runs,
        seed: opts.seed,
        maxCommands: opts.maxCommands,
        shrinkLimitMs: opts.shrinkMinutes * 60_000,
        ignore: opts.ignore,
        verbose: opts.verbose === true,
        ...(opts.sequence !== undefined ? { sequence: opts.sequence } : {}),
        ...(opts.minutes !== undefined ? { timeLimitMs: opts.minutes * 60_000 } : {}),
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else printModelCheck(result, (line) => process.stdout.write(`${line}\n`));
      process.exitCode = result.ok ? 0 : 1;
    },
  );

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`model-check: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
