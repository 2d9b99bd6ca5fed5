// What can go wrong talking to Apicbase's API, sorted by what the caller should do about it:
// retry an ApicbaseTransientError (after retryAfterMs when Apicbase said so); never retry an
// ApicbaseRejectedError or an ApicbaseAuthError. No error carries a token, a header or a request
// body: only the operation, the HTTP status and Apicbase's own short detail text.

export type ApicbaseOperation = 'list' | 'patch' | 'token';
export type ApicbaseErrorKind = 'transient' | 'rejected' | 'auth';
export type ApicbaseTransientReason = 'timeout' | 'network' | 'server-error' | 'rate-limited' | 'bad-response';

export abstract class ApicbaseError extends Error {
  abstract readonly kind: ApicbaseErrorKind;
  abstract readonly retryable: boolean;

  constructor(
    message: string,
    readonly operation: ApicbaseOperation,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Apicbase could not be reached, or answered in a way that may succeed later (5xx, 429, garbage). */
export class ApicbaseTransientError extends ApicbaseError {
  readonly kind = 'transient';
  readonly retryable = true;
  readonly reason: ApicbaseTransientReason;
  readonly httpStatus?: number;
  /** From Retry-After: how long Apicbase asked us to wait. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    operation: ApicbaseOperation,
    details: { reason: ApicbaseTransientReason; httpStatus?: number; retryAfterMs?: number },
  ) {
    super(message, operation);
    this.reason = details.reason;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** Apicbase refused the request itself (4xx other than auth, timeout and rate limit). */
export class ApicbaseRejectedError extends ApicbaseError {
  readonly kind = 'rejected';
  readonly retryable = false;

  constructor(
    message: string,
    operation: ApicbaseOperation,
    readonly httpStatus: number,
  ) {
    super(message, operation);
  }
}

export type ApicbaseAuthReason = 'no-token' | 'refused' | 'refresh-failed' | 'not-configured';

/** No usable token: none stored, Apicbase refused it, or it could not be refreshed. Needs an operator. */
export class ApicbaseAuthError extends ApicbaseError {
  readonly kind = 'auth';
  readonly retryable = false;

  constructor(
    message: string,
    operation: ApicbaseOperation,
    readonly reason: ApicbaseAuthReason,
    readonly httpStatus?: number,
  ) {
    super(message, operation);
  }
}

export const isApicbaseError = (err: unknown): err is ApicbaseError => err instanceof ApicbaseError;

/** Apicbase's own error text (DRF's {"detail": "..."} or OAuth's error fields), cut short. */
export function apicbaseDetail(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const text = [b.detail, b.error, b.error_description, b.message]
    .filter((x): x is string => typeof x === 'string')
    .join(': ');
  if (!text) return undefined;
  return text.length > 200 ? `${text.slice(0, 197)}…` : text;
}
