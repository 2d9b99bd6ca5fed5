// Errors as a log line may show them. Hublify's own texts (a refusal may quote the customer's name,
// address or e-mail) never reach a log line: they stay in the order's encrypted workflow status and
// the Web UI (issue 12.4). A failure is known by its type, so one read back from a workflow history
// is treated like the one thrown; failure details (where Hublify's messages travel) are never logged.
import { ApplicationFailure } from '@temporalio/common';
import { HUBLIFY_FAILURE_TYPES } from '../activities/api-failures';
import { HublifyError } from './hublify/errors';

/** Failure types whose message is Hublify's text. */
const HUBLIFY_TEXT_FAILURE_TYPES: ReadonlySet<string> = new Set([
  HUBLIFY_FAILURE_TYPES.rejected,
  HUBLIFY_FAILURE_TYPES.auth,
]);

/** How deep a chain of causes is followed. */
const MAX_CAUSES = 5;

export interface LoggedError {
  name: string;
  message: string;
  type?: string;
  nonRetryable?: boolean;
  verb?: string;
  httpStatus?: number;
  cause?: LoggedError;
}

const withheld = (what: string) =>
  `Hublify's text withheld from logs (${what}); the order's status in the Web UI shows it`;

/** `err` as a plain object safe to log: name, type and message, Hublify's texts left out. */
export function loggableError(err: Error, depth = 0): LoggedError {
  const out: LoggedError = { name: err.name, message: err.message };
  if (err instanceof HublifyError) {
    out.verb = err.verb;
    const status = (err as { httpStatus?: unknown }).httpStatus;
    if (typeof status === 'number') out.httpStatus = status;
    if (err.kind !== 'transient') out.message = withheld(`${err.name}, ${err.verb}`);
  }
  if (err instanceof ApplicationFailure && err.type) {
    out.type = err.type;
    out.nonRetryable = err.nonRetryable === true;
    if (HUBLIFY_TEXT_FAILURE_TYPES.has(err.type)) out.message = withheld(err.type);
  }
  const { cause } = err;
  if (cause instanceof Error && depth < MAX_CAUSES) out.cause = loggableError(cause, depth + 1);
  return out;
}

/** Log fields with every Error among them made loggable (the Temporal SDK logs `error` objects). */
export function loggableFields(fields: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) (copy ??= { ...fields })[key] = loggableError(value);
  }
  return copy ?? fields;
}
