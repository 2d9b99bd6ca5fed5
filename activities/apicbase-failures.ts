// Turns the Apicbase client's classified errors into Temporal failures: transient → retried by the
// activity's retry policy (after Retry-After when Apicbase sent one), rejected/auth → not retried.
import { ApplicationFailure } from '@temporalio/activity';
import { ApicbaseAuthError, ApicbaseRejectedError, ApicbaseTransientError } from '../src/apicbase/errors';

export const APICBASE_FAILURE_TYPES = {
  transient: 'ApicbaseUnavailable',
  rateLimited: 'ApicbaseRateLimited',
  rejected: 'ApicbaseRejected',
  auth: 'ApicbaseAuthRefused',
} as const;

export function toApicbaseFailure(err: unknown): unknown {
  if (err instanceof ApicbaseTransientError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.reason === 'rate-limited' ? APICBASE_FAILURE_TYPES.rateLimited : APICBASE_FAILURE_TYPES.transient,
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: Math.max(err.retryAfterMs, 1) } : {}),
    });
  }
  if (err instanceof ApicbaseRejectedError) return ApplicationFailure.nonRetryable(err.message, APICBASE_FAILURE_TYPES.rejected);
  if (err instanceof ApicbaseAuthError) return ApplicationFailure.nonRetryable(err.message, APICBASE_FAILURE_TYPES.auth);
  return err;
}

/** Runs an Apicbase call, rethrowing its failure in Temporal's terms. */
export async function callApicbase<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toApicbaseFailure(err);
  }
}
