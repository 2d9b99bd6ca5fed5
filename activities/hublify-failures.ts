// Turns the Hublify client's classified errors into Temporal failures, so the engine's retry policy
// does the right thing: transient → retried (honouring Retry-After), rejected/auth → not retried.
import { ApplicationFailure } from '@temporalio/activity';
import { HublifyAuthError, HublifyRejectedError, HublifyTransientError } from '../src/hublify/errors';

export const HUBLIFY_FAILURE_TYPES = {
  transient: 'HublifyUnavailable',
  rejected: 'HublifyRejected',
  auth: 'HublifyAuthRefused',
} as const;

export function toTemporalFailure(err: unknown): unknown {
  if (err instanceof HublifyTransientError) {
    return ApplicationFailure.create({
      message: err.message,
      type: HUBLIFY_FAILURE_TYPES.transient,
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  }
  if (err instanceof HublifyRejectedError) {
    return ApplicationFailure.nonRetryable(err.message, HUBLIFY_FAILURE_TYPES.rejected, err.messages);
  }
  if (err instanceof HublifyAuthError) {
    return ApplicationFailure.nonRetryable(err.message, HUBLIFY_FAILURE_TYPES.auth);
  }
  return err;
}

/** Runs a Hublify call, rethrowing its failure in Temporal's terms. */
export async function callHublify<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toTemporalFailure(err);
  }
}
