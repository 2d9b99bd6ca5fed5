// What can go wrong talking to Hublify, sorted by what the caller should do about it.
// Retry a HublifyTransientError; never retry a HublifyRejectedError or a HublifyAuthError.
// No error carries the channel token, a request body or a cause object (undici's causes hold
// socket details we do not need): only the verb, the HTTP status and Hublify's own texts.
import type { HublifyMessage, HublifyVerb } from './types';

export type HublifyErrorKind = 'transient' | 'rejected' | 'auth';

/** Why a transient failure happened, for logs and metrics. */
export type HublifyTransientReason = 'timeout' | 'network' | 'server-error' | 'rate-limited' | 'bad-response';

export abstract class HublifyError extends Error {
  abstract readonly kind: HublifyErrorKind;
  abstract readonly retryable: boolean;

  constructor(
    message: string,
    readonly verb: HublifyVerb,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Hublify could not be reached or answered in a way that may succeed later. */
export class HublifyTransientError extends HublifyError {
  readonly kind = 'transient';
  readonly retryable = true;
  readonly reason: HublifyTransientReason;
  readonly httpStatus?: number;
  /** From Retry-After on HTTP 429/503: how long Hublify asked us to wait. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    verb: HublifyVerb,
    details: { reason: HublifyTransientReason; httpStatus?: number; retryAfterMs?: number },
  ) {
    super(message, verb);
    this.reason = details.reason;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** Hublify answered and refused the request (status:false with an ERROR, or an HTTP 4xx). */
export class HublifyRejectedError extends HublifyError {
  readonly kind = 'rejected';
  readonly retryable = false;
  readonly httpStatus?: number;

  constructor(
    message: string,
    verb: HublifyVerb,
    readonly messages: HublifyMessage[],
    httpStatus?: number,
  ) {
    super(message, verb);
    if (httpStatus !== undefined) this.httpStatus = httpStatus;
  }
}

/** Hublify refused the channel token (HTTP 401/403): configuration, not a passing fault. */
export class HublifyAuthError extends HublifyError {
  readonly kind = 'auth';
  readonly retryable = false;

  constructor(
    message: string,
    verb: HublifyVerb,
    readonly httpStatus: number,
    readonly messages: HublifyMessage[],
  ) {
    super(message, verb);
  }
}

export const isHublifyError = (err: unknown): err is HublifyError => err instanceof HublifyError;

/** True only for failures where trying the same request again may succeed. */
export const isRetryable = (err: unknown): boolean => err instanceof HublifyError && err.retryable;
