// What can go wrong in an operator action, in words both the CLI (exit codes) and the admin API
// (HTTP statuses) translate: defined once so that `order-relay` and /admin/… always agree.
import { WorkflowNotFoundError, isGrpcServiceError } from '@temporalio/client';

export type OperationErrorKind =
  /** The request itself is wrong (bad filter, bad amend, bad payload file). */
  | 'usage'
  /** The configuration or a configured file is wrong (customer directory, settings). */
  | 'config'
  /** No such order. */
  | 'not-found'
  /** The order is in a state where this cannot be done (already closed, ambiguous reference). */
  | 'conflict'
  /** The workflow or Hublify refused the change. */
  | 'refused'
  /** Temporal cannot be reached (or did not answer in time). */
  | 'unavailable'
  /** Anything else that went wrong while doing it. */
  | 'failed';

export class OperationError extends Error {
  constructor(
    readonly kind: OperationErrorKind,
    message: string,
    /** Every problem, for validation errors (customer directory, payload file, amend). */
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

/** The CLI's exit codes (documented in `--help` and docs/operations.md). */
export const EXIT_CODES = { ok: 0, failed: 1, usage: 2, notFound: 3, unavailable: 4 } as const;

export function exitCodeFor(kind: OperationErrorKind): number {
  switch (kind) {
    case 'usage':
    case 'config':
      return EXIT_CODES.usage;
    case 'not-found':
      return EXIT_CODES.notFound;
    case 'unavailable':
      return EXIT_CODES.unavailable;
    default:
      return EXIT_CODES.failed;
  }
}

export function httpStatusFor(kind: OperationErrorKind): number {
  switch (kind) {
    case 'usage':
      return 400;
    case 'not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'refused':
    case 'config':
      return 422;
    case 'unavailable':
      return 503;
    default:
      return 500;
  }
}

/** gRPC status codes UNAVAILABLE (14) and DEADLINE_EXCEEDED (4). */
const UNREACHABLE_CODES = new Set<number>([14, 4]);
const GRPC_NOT_FOUND = 5;

/** True when the error (or one of its causes) says Temporal could not be reached or did not answer. */
export function isTemporalUnreachable(err: unknown): boolean {
  for (let cur: unknown = err, depth = 0; cur instanceof Error && depth < 8; cur = cur.cause, depth++) {
    if (isGrpcServiceError(cur) && UNREACHABLE_CODES.has(cur.code)) return true;
    if (/Failed to connect|failed to connect before the deadline/i.test(cur.message)) return true;
  }
  return false;
}

/** Any error as an OperationError (Temporal's own errors recognised; the rest is `failed`). */
export function toOperationError(err: unknown): OperationError {
  if (err instanceof OperationError) return err;
  if (err instanceof WorkflowNotFoundError) return new OperationError('not-found', `order not found: ${err.message}`);
  // The raw workflow service (e.g. a cancel request with a reason) answers NOT_FOUND itself.
  if (isGrpcServiceError(err) && (err.code as number) === GRPC_NOT_FOUND)
    return new OperationError('not-found', `order not found: ${err.details || err.message}`);
  if (isTemporalUnreachable(err))
    return new OperationError('unavailable', `Temporal is unreachable: ${(err as Error).message}`);
  return new OperationError('failed', err instanceof Error ? err.message : String(err));
}
