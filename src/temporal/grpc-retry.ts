// The Temporal client's gRPC retries, plus one case the SDK leaves to the caller: WorkflowNotReady.
// The server answers an update with it when the workflow task that carried the update failed — most
// often UnhandledCommand, when the workflow completes in the same task as an activity result arrives —
// and nothing about the update was recorded. The call is safe to repeat: the retry re-sends the same
// request, update id included, so the server deduplicates it if it had been recorded after all.
import { defaultGrpcRetryOptions, isRetryableError, makeGrpcRetryInterceptor, type GrpcRetryOptions } from '@temporalio/client';
import { google } from '@temporalio/proto';

export type StatusObject = Parameters<GrpcRetryOptions['retryableDecider']>[1];
type Interceptor = ReturnType<typeof makeGrpcRetryInterceptor>;
const FAILED_PRECONDITION: number = 9; // gRPC status code

const WORKFLOW_NOT_READY = 'type.googleapis.com/temporal.api.errordetails.v1.WorkflowNotReadyFailure';
const MAX_ATTEMPTS = 10;

export function isWorkflowNotReady(status: StatusObject): boolean {
  if ((status.code as number) !== FAILED_PRECONDITION) return false;
  const details = status.metadata?.get('grpc-status-details-bin')?.[0];
  if (!details || typeof details === 'string') return false;
  try {
    return google.rpc.Status.decode(details).details.some((d) => d.type_url === WORKFLOW_NOT_READY);
  } catch {
    return false;
  }
}

/** For `Connection.connect({ interceptors })`: the SDK's default retries and WorkflowNotReady. */
export function temporalGrpcInterceptors(): Interceptor[] {
  const defaults = defaultGrpcRetryOptions({ maxAttempts: MAX_ATTEMPTS });
  return [
    makeGrpcRetryInterceptor({
      delayFunction: defaults.delayFunction,
      retryableDecider: (attempt, status) => attempt < MAX_ATTEMPTS && (isRetryableError(status) || isWorkflowNotReady(status)),
    }),
  ];
}
