// `npm run soak -- --minutes N [--rate R] [--seed S]`: the whole system under load and faults, then the
// reckoning (scripts/soak/). Exits 1 when any promise broke. docs/reliability.md explains the run.
import { Command, InvalidArgumentError } from 'commander';
import { runSoak } from './soak/run-soak';
import { printReckoning } from './soak/reckoning';

const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

const program = new Command('soak')
  .description('order-relay under a steady stream of webhook orders while faults drawn from a seed play')
  .option('--minutes <n>', 'how long the load runs', positive('--minutes'), 2)
  .option('--rate <r>', 'orders per second', positive('--rate'), 2)
  .option(
    '--seed <s>',
    'seed of the fault plan and the load',
    (v) => Math.trunc(positive('--seed')(v)),
    Date.now() % 1_000_000,
  )
  // Every waiting order is polled on this schedule: 1,000 orders at 2 s is 500 polls a second, more than
  // two cores serve beside the load, so a long run polls as production does, more slowly.
  .option(
    '--poll <schedule>',
    'TRACK_POLL_SCHEDULE of the relay (shipments and cancels are seen at the next poll)',
    '2s',
  )
  .option('--json', 'print the reckoning as JSON')
  .action(async (opts: { minutes: number; rate: number; seed: number; poll: string; json?: boolean }) => {
    const reckoning = await runSoak(opts);
    if (opts.json) process.stdout.write(`${JSON.stringify(reckoning, null, 2)}\n`);
    else printReckoning(reckoning, (line) => process.stdout.write(`${line}\n`));
    process.exitCode = reckoning.ok ? 0 : 1;
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`soak: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
