// Hublify writes times as "YYYY-MM-DD HH:mm:ss" in the system's local time (e.g. dv_time_sent).

const HUBLIFY_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatHublifyTime(date: Date): string {
  const day = `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Accepts Hublify's format (local time, time of day optional) or anything Date.parse reads, e.g. ISO 8601. */
export function parseTime(text: string): Date | undefined {
  const match = HUBLIFY_TIME.exec(text.trim());
  if (match) {
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = match;
    return new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
