// FROZEN copy for order-workflow-v1 (sealed: changes to the v2 helper in workflows/ cannot reach v1).
// The tracking poll schedule as the workflow reads it: "10m*18,1h" parsed (outside the workflow, by
// src/orders/poll-schedule-spec.ts) into steps. Pure and deterministic; the last step repeats.

export interface PollStep {
  everyMs: number;
  /** How many polls at this interval; undefined = forever (only the last step). */
  times?: number;
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
