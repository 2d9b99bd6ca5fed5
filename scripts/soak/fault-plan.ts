// The soak's faults, drawn from its seed with fast-check (the same seed, the same plan): what breaks
// and when, spread over the load's duration, bounded in number. Hublify misbehaves, processes die.
import * as fc from 'fast-check';

export type PlannedFault =
  | { kind: 'hublify'; fault: 'http500' | 'http429' | 'slow' | 'drop' | 'hang'; count: number }
  | { kind: 'kill-worker' | 'kill-api' | 'kill-temporal' }
  | { kind: 'ship' | 'cancel' };

export interface PlanEntry {
  /** Milliseconds after the load starts. */
  atMs: number;
  fault: PlannedFault;
}

const hublifyFault: fc.Arbitrary<PlannedFault> = fc.record({
  kind: fc.constant('hublify' as const),
  fault: fc.constantFrom('http500' as const, 'http429' as const, 'slow' as const, 'drop' as const, 'hang' as const),
  count: fc.integer({ min: 1, max: 4 }),
});

const fault: fc.Arbitrary<PlannedFault> = fc.oneof(
  { weight: 4, arbitrary: hublifyFault },
  { weight: 4, arbitrary: fc.constantFrom<PlannedFault>({ kind: 'ship' }, { kind: 'cancel' }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<PlannedFault>({ kind: 'kill-worker' }, { kind: 'kill-api' }, { kind: 'kill-temporal' }),
  },
);

/** One fault every ~`everyMs` on average over `durationMs`, plus one death of each process at a drawn time. */
export function drawFaultPlan(seed: number, durationMs: number, everyMs = 6_000): PlanEntry[] {
  const count = Math.max(3, Math.floor(durationMs / everyMs));
  const at = fc.noBias(fc.integer({ min: 1_000, max: Math.max(1_001, durationMs - 1_000) }));
  const [drawn, deaths] = fc.sample(
    fc.tuple(fc.array(fc.tuple(at, fault), { minLength: count, maxLength: count }), fc.tuple(at, at, at)),
    { seed, numRuns: 1 },
  )[0]!;
  const kills = (['kill-worker', 'kill-api', 'kill-temporal'] as const).map((kind, i) => ({
    atMs: deaths[i]!,
    fault: { kind },
  }));
  return [...drawn.map(([atMs, f]) => ({ atMs, fault: f })), ...kills].sort((a, b) => a.atMs - b.atMs);
}
