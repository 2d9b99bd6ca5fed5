// The HTTP Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP date.

/** Milliseconds to wait, or undefined when the header is absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  // delay-seconds; a fraction is not allowed but is read rather than mistaken for a date.
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
