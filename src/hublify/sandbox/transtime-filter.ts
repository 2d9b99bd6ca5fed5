// order_getList's `order_state_transtime.search`: a comparison with a time relative to now
// ("> -3days", "> -2hours", ">= -30minutes") or an absolute one ("> 2024-01-31 12:00:00").
import { parseTime } from './time';

const UNIT_MS: Record<string, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

const RELATIVE = /^([+-]?\d+)\s*(second|sec|minute|min|hour|day|week)s?$/i;
const COMPARISON = /^(>=|<=|>|<|=)?\s*(.+)$/;
const UNIT_ALIASES: Record<string, string> = { sec: 'second', min: 'minute' };

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
};

/** A predicate over the time of the last state change, or undefined if `search` is unreadable. */
export function parseTranstimeSearch(
  search: string,
  now: Date = new Date(),
): ((changedAt: Date) => boolean) | undefined {
  const comparison = COMPARISON.exec(search.trim());
  if (!comparison) return undefined;
  const [, operator = '=', operand = ''] = comparison;
  const bound = relativeTime(operand, now) ?? parseTime(operand);
  const compare = COMPARE[operator];
  if (!bound || !compare) return undefined;
  return (changedAt) => compare(changedAt.getTime(), bound.getTime());
}

function relativeTime(operand: string, now: Date): Date | undefined {
  const match = RELATIVE.exec(operand.trim());
  if (!match) return undefined;
  const [, amount = '0', rawUnit = ''] = match;
  const unit = rawUnit.toLowerCase();
  const unitMs = UNIT_MS[UNIT_ALIASES[unit] ?? unit];
  return unitMs === undefined ? undefined : new Date(now.getTime() + Number(amount) * unitMs);
}
