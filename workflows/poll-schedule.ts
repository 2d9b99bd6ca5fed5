// The tracking poll schedule: "10m*18,1h" = every 10 minutes for 18 polls, then hourly. The last step
// repeats. Pure and deterministic: parsed from configuration outside the workflow, read inside it.
import ms from 'ms';

export interface PollStep {
  everyMs: number;
  /** How many polls at this interval; undefined = forever (only the last step). */
  times?: number;
}

export function parsePollSchedule(spec: string): PollStep[] {
  const steps = spec.split(',').map((part, i, all) => {
    const match = /^\s*([^*\s]+)\s*(?:\*\s*(\d+))?\s*$/.exec(part);
    if (!match?.[1]) throw new Error(`poll schedule "${spec}": step ${i + 1} ("${part}") is not <duration>[*<times>]`);
    // Same duration syntax as Temporal's own (the `ms` format): 500ms, 30s, 10m, 1h, 2d.
    const everyMs = ms(match[1] as ms.StringValue) as number | undefined;
    if (typeof everyMs !== 'number' || !(everyMs > 0)) {
      throw new Error(`poll schedule "${spec}": "${match[1]}" is not a positive duration such as 30s, 10m or 1h`);
    }
    const times = match[2] === undefined || i === all.length - 1 ? undefined : Number(match[2]);
    if (times !== undefined && times < 1) throw new Error(`poll schedule "${spec}": a step must repeat at least once`);
    return { everyMs, times };
  });
  if (steps.length === 0) throw new Error('poll schedule is empty');
  return steps;
}

/** The wait before poll number `index` (0-based). */
export function pollDelayMs(steps: PollStep[], index: number): number {
  let remaining = index;
  for (const step of steps) {
    if (step.times === undefined || remaining < step.times) return step.everyMs;
    remaining -= step.times;
  }
  return steps[steps.length - 1]!.everyMs;
}
