// FROZEN copy for order-workflow-v1 (sealed: changes to the v2 helper in workflows/ cannot reach v1).
// ISO-8601 dates and times as Apicbase sends them, read strictly and the same way everywhere: by
// verify and map (activities) and by the order workflow (its overdue timer). Pure and clock-free, so the
// workflow sandbox can use it; an offset-less time is UTC, never the worker's zone.

/** An ISO-8601 value: an instant, or (only where allowed) a calendar date without a time. */
export type IsoMoment = { kind: 'instant'; epochMs: number } | { kind: 'date'; date: string };

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0); // day 0 of the next month = last day of this one
  return d.getUTCDate();
}

function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0; // no offset: read as UTC, never server-local
  const [, sign, hh, mm] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) ?? [];
  const hours = Number(hh);
  const minutes = Number(mm ?? '0');
  if (hours > 23 || minutes > 59) return undefined;
  return (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * Strict ISO-8601 parsing (Date.parse accepts "March 7" and rolls 2024-02-30 over to March).
 * A date-time without an offset is read as UTC so the result never depends on the server's zone.
 */
export function parseIsoDateTime(value: string, options: { allowDateOnly?: boolean } = {}): IsoMoment | undefined {
  const m = ISO_8601.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, fraction, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hh === undefined) return options.allowDateOnly ? { kind: 'date', date: `${y}-${mo}-${d}` } : undefined;

  const hour = Number(hh);
  const minute = Number(mi);
  const second = Number(ss ?? '0');
  const offset = offsetMinutes(zone);
  if (hour > 23 || minute > 59 || second > 59 || offset === undefined) return undefined;
  const millis = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));

  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return { kind: 'instant', epochMs: date.getTime() - offset * 60_000 };
}

/** The instant a moment stands for; a calendar date counts from its start, UTC. */
export function epochMsOf(moment: IsoMoment): number {
  return moment.kind === 'instant' ? moment.epochMs : Date.parse(`${moment.date}T00:00:00Z`);
}
