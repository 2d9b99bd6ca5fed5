// Turns the API clients' classified errors into Temporal failures, so the engine's retry policy does
// the right thing: transient → retried (after Retry-After when the API sent one), rejected/auth → not
// retried. One mechanism for every client whose errors carry `kind` (Hublify's and Apicbase's).
import { ApplicationFailure } from '@temporalio/activity';
import { ApicbaseError, ApicbaseTransientError } from '../src/apicbase/errors';
import { HublifyError, HublifyRejectedError, HublifyTransientError } from '../src/hublify/errors';

interface FailureTypes {
  transient: string;
  rateLimited: string;
  rejected: string;
  auth: string;
}

export const HUBLIFY_FAILURE_TYPES = {
  transient: 'HublifyUnavailable',
  rateLimited: 'HublifyUnavailable',
  rejected: 'HublifyRejected',
  auth: 'HublifyAuthRefused',
} as const satisfies FailureTypes;

export const APICBASE_FAILURE_TYPES = {
  transient: 'ApicbaseUnavailable',
  rateLimited: 'ApicbaseRateLimited',
  rejected: 'ApicbaseRejected',
  auth: 'ApicbaseAuthRefused',
} as const satisfies FailureTypes;

function toTemporalFailure(err: HublifyError | ApicbaseError, types: FailureTypes): ApplicationFailure {
  if (err instanceof HublifyTransientError || err instanceof ApicbaseTransientError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.reason === 'rate-limited' ? types.rateLimited : types.transient,
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: Math.max(err.retryAfterMs, 1) } : {}),
    });
  }
  // Hublify's own message texts travel along as details, for support to read in the Web UI.
  const details = err instanceof HublifyRejectedError ? [err.messages] : [];
  return ApplicationFailure.nonRetryable(err.message, err.kind === 'auth' ? types.auth : types.rejected, ...details);
}

async function callAs<T>(types: FailureTypes, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw err instanceof HublifyError || err instanceof ApicbaseError ? toTemporalFailure(err, types) : err;
  }
}

/** Runs a Hublify call, rethrowing its failure in Temporal's terms. */
export const callHublify = <T>(call: () => Promise<T>): Promise<T> => callAs(HUBLIFY_FAILURE_TYPES, call);

/** Runs an Apicbase call, rethrowing its failure in Temporal's terms. */
export const callApicbase = <T>(call: () => Promise<T>): Promise<T> => callAs(APICBASE_FAILURE_TYPES, call);
