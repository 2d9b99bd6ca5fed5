// Runs the model check: random command sequences (fast-check's `commands` and `asyncModelRun`) against
// one real system, each sequence on a fresh order, the invariants checked after every quiet step. A
// broken invariant shrinks to a minimal sequence, printed with its seed and a one-line replay command;
// `sequence` replays one printed sequence instead of drawing any.
import * as fc from 'fast-check';
import {
  commandArbitraries,
  initialModel,
  InvariantViolation,
  parseSequence,
  type Model,
  type RunContext,
} from './commands';
import { INVARIANT_NAMES, type InvariantName } from './invariants';
import { REPRODUCTIONS, type Reproduction } from './reproductions';
import { World } from './world';

export interface ModelCheckOptions {
  /** Sequences to draw (ignored with `sequence`). */
  runs: number;
  seed: number;
  /** Longest sequence drawn. */
  maxCommands?: number;
  /** Invariants not checked (known to fail; their violations are only counted). */
  ignore?: readonly string[];
  /** A printed sequence to replay (`deliver~,amend-items,cancel`) instead of random ones. */
  sequence?: string;
  /** Stop drawing new sequences after this long (the run still ends its current one). */
  timeLimitMs?: number;
  /** Stop shrinking this long after the first failure (default 5 minutes); the sequence printed is then the smallest found. */
  shrinkLimitMs?: number;
  log?: (line: string) => void;
  /** Log what each step left behind. */
  verbose?: boolean;
  /** An already running world (tests that run several checks share one). */
  world?: World;
}

export interface ModelCheckFailure {
  invariant: InvariantName | 'error';
  message: string;
  /** The minimal sequence, as `--sequence` takes it. */
  sequence: string;
  replay: string;
}

export interface ModelCheckResult {
  ok: boolean;
  seed: number;
  sequences: number;
  commands: number;
  checks: number;
  unquiet: number;
  /** Ignored invariants that were broken, and in how many sequences. */
  ignoredViolations: Partial<Record<InvariantName, number>>;
  failure?: ModelCheckFailure;
}

/** A drawn sequence as printed: the commands that ran, as `--sequence` takes them (fast-check's own toString). */
const printed = (cmds: unknown): string =>
  (cmds as { toString(): string }).toString().replace(/\s*\/\*replayPath=.*\*\/$/, '');

const replayCommand = (sequence: string, ignore: readonly string[]) =>
  `npm run model-check -- --sequence '${sequence}'${ignore.length ? ` --ignore ${ignore.join(',')}` : ''}`;

export async function runModelCheck(opts: ModelCheckOptions): Promise<ModelCheckResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const ignore = opts.ignore ?? [];
  const ctx: RunContext = {
    ignore: new Set(ignore),
    ignored: new Map(),
    sequenceId: '',
    commands: 0,
    checks: 0,
    unquiet: 0,
    log,
    verbose: opts.verbose === true,
  };
  const world = opts.world ?? (await World.start());
  let sequences = 0;
  const runOne = async (steps: Iterable<fc.AsyncCommand<Model, World>>) => {
    sequences += 1;
    ctx.sequenceId = String(sequences);
    await world.begin();
    try {
      await fc.asyncModelRun(() => ({ model: initialModel(), real: world }), steps);
    } finally {
      await world.end();
    }
  };
  const result = (failure?: ModelCheckFailure): ModelCheckResult => ({
    ok: !failure,
    seed: opts.seed,
    sequences,
    commands: ctx.commands,
    checks: ctx.checks,
    unquiet: ctx.unquiet,
    ignoredViolations: Object.fromEntries([...ctx.ignored].map(([name, seqs]) => [name, seqs.size])),
    ...(failure ? { failure } : {}),
  });
  try {
    if (opts.sequence !== undefined) {
      const steps = parseSequence(opts.sequence, ctx);
      try {
        await runOne(steps);
        return result();
      } catch (err) {
        // The steps up to the failing one (those a precondition skipped are left out).
        const ran = steps.filter((st) => st.ran).map(String);
        return result(failureOf(err, ran.join(','), ignore));
      }
    }
    const started = Date.now();
    let firstFailureAt: number | undefined;
    const shrinkLimitMs = opts.shrinkLimitMs ?? 300_000;
    const property = fc.asyncProperty(
      fc.commands(commandArbitraries(ctx), { maxCommands: opts.maxCommands ?? 20, size: 'max' }),
      async (cmds) => {
        // Past the shrink budget every further candidate "passes": the smallest failing sequence so far stands.
        if (firstFailureAt !== undefined && Date.now() - firstFailureAt > shrinkLimitMs) return;
        if (firstFailureAt === undefined && opts.timeLimitMs !== undefined && Date.now() - started > opts.timeLimitMs)
          return;
        try {
          await runOne(cmds);
        } catch (err) {
          firstFailureAt ??= Date.now();
          log(`model check: sequence ${sequences} failed (${(err as Error).message}): ${printed(cmds)}; shrinking`);
          throw err;
        }
        if (firstFailureAt === undefined)
          log(`model check: sequence ${sequences} ok (${ctx.commands} commands so far): ${printed(cmds)}`);
      },
    );
    const details = await fc.check(property, { seed: opts.seed, numRuns: opts.runs, endOnFailure: false });
    if (!details.failed) return result();
    const [cmds] = details.counterexample ?? [];
    return result(failureOf(details.errorInstance, printed(cmds), ignore));
  } finally {
    if (!opts.world) await world.close();
  }
}

function failureOf(err: unknown, sequence: string, ignore: readonly string[]): ModelCheckFailure {
  if (err instanceof InvariantViolation)
    return { invariant: err.invariant, message: err.message, sequence, replay: replayCommand(sequence, ignore) };
  return {
    invariant: 'error',
    message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    sequence,
    replay: replayCommand(sequence, ignore),
  };
}

export function printModelCheck(r: ModelCheckResult, write: (line: string) => void): void {
  write(
    `model check, seed ${r.seed}: ${r.sequences} sequences, ${r.commands} commands, ${r.checks} invariant checks (${r.unquiet} steps not quiet in time: I1, I2, I4, I5, I6 only)`,
  );
  const ignored = Object.entries(r.ignoredViolations);
  if (ignored.length)
    write(`ignored invariants broken: ${ignored.map(([name, n]) => `${name} in ${n} sequences`).join(', ')}`);
  if (r.ok) {
    write('OK: every invariant checked held');
    return;
  }
  const f = r.failure!;
  write(`FAILED: ${f.message}`);
  write(`minimal sequence: ${f.sequence}`);
  write(`replay: ${f.replay}`);
}

export interface ReproductionOutcome extends Reproduction {
  /** The invariant the sequence broke (only `breaks` is checked), or null when it held. */
  broke: InvariantName | 'error' | null;
  message: string | null;
}

/** Replays each reproduction of issue 22 with only its invariant checked: which still break it. */
export async function runReproductions(
  world: World,
  log: (line: string) => void,
  which: readonly Reproduction[] = REPRODUCTIONS,
): Promise<ReproductionOutcome[]> {
  const out: ReproductionOutcome[] = [];
  for (const r of which) {
    const ignore = INVARIANT_NAMES.filter((n) => n !== r.breaks);
    const result = await runModelCheck({ runs: 1, seed: 0, sequence: r.sequence, ignore, world, log });
    const outcome: ReproductionOutcome = {
      ...r,
      broke: result.failure?.invariant ?? null,
      message: result.failure?.message ?? null,
    };
    log(
      `item ${r.item} (${r.sequence}): ${outcome.broke ? `breaks ${outcome.broke}: ${outcome.message}` : `${r.breaks} holds`}`,
    );
    out.push(outcome);
  }
  return out;
}
