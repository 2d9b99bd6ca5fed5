// Constant-time comparison of a presented secret (token, bearer) with the configured one.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Hashing first equalises the lengths, so neither length nor content leaks through timing. */
export function sameSecret(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header value (undefined for none or another scheme). */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')?.[1];
}
