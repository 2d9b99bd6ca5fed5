// TRACK_POLL_SCHEDULE's syntax: "10m*18,1h" = every 10 minutes for 18 polls, then hourly. Parsed
// here, outside the workflow, into the steps the workflow reads (workflows/poll-schedule.ts).
import ms from 'ms';
import type { PollStep } from '../../workflows/poll-schedule';

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
