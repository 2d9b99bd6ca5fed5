// The Temporal client's gRPC retries, plus one case the SDK leaves to the caller: WorkflowNotReady.
// The server answers an update with it when the workflow task that carried the update failed — most
// often UnhandledCommand, when the workflow completes in the same task as an activity result arrives —
// and nothing about the update was recorded. The call is safe to repeat: the retry re-sends the same
// request, update id included, so the server deduplicates it if it had been recorded after all.
// And one guard: the SDK waits for a retry on a timer that neither an abort nor a deadline clears, so a
// call abandoned at its deadline (the webhook's) retries later on its own. When the connection was
// closed meanwhile, that attempt threw "Channel has been shut down" from the timer: an uncaught
// exception in whichever process closed the connection, and a call that never settled.
import { InterceptingCall, Metadata, status as grpcStatus } from '@grpc/grpc-js';
import {
  defaultGrpcRetryOptions,
  isRetryableError,
  makeGrpcRetryInterceptor,
  type GrpcRetryOptions,
} from '@temporalio/client';
import { google } from '@temporalio/proto';

export type StatusObject = Parameters<GrpcRetryOptions['retryableDecider']>[1];
type Interceptor = ReturnType<typeof makeGrpcRetryInterceptor>;
type Attempt = ReturnType<Parameters<Interceptor>[1]>;
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

/**
 * An attempt that could not be made (the connection is closed): it ends at once, CANCELLED. It first
 * hands the retry an empty message, which the caller's listener reads as "no answer" before the
 * status: the SDK's retry passes its saved first message on when a call ends, and throws "savedMessageNext
 * is not a function" from this tick when the first attempt never got one (see firstAttempt).
 */
function attemptNotMade(details: string): Attempt {
  const nothing = () => undefined;
  return {
    start(_metadata, listener) {
      process.nextTick(() => {
        listener?.onReceiveMessage?.(undefined);
        listener?.onReceiveStatus?.({ code: grpcStatus.CANCELLED, details, metadata: new Metadata() });
      });
    },
    cancelWithStatus: nothing,
    getPeer: () => '',
    getAuthContext: () => null,
    sendMessageWithContext: nothing,
    sendMessage: nothing,
    startRead: nothing,
    halfClose: nothing,
  };
}

/** For `Connection.connect({ interceptors })`: the SDK's default retries and WorkflowNotReady. */
export function temporalGrpcInterceptors(): Interceptor[] {
  const defaults = defaultGrpcRetryOptions({ maxAttempts: MAX_ATTEMPTS });
  const retry = makeGrpcRetryInterceptor({
    delayFunction: defaults.delayFunction,
    retryableDecider: (attempt, status) =>
      attempt < MAX_ATTEMPTS && (isRetryableError(status) || isWorkflowNotReady(status)),
  });
  // Each attempt, first or retried, goes through `nextCall`: on a closed channel it ends CANCELLED
  // (not retried) instead of throwing. The first one always hands the retry a message before its status.
  return [
    (options, nextCall) => {
      let attempts = 0;
      return retry(options, (callOptions) => {
        const first = attempts++ === 0;
        try {
          const call = nextCall(callOptions);
          return first ? firstAttempt(call) : call;
        } catch (err) {
          return attemptNotMade((err as Error).message);
        }
      });
    },
  ];
}

/**
 * The SDK's retry saves the first attempt's message and its `next`, and passes them on when the call
 * ends, after however many attempts; a first attempt that ended without a message (refused, then
 * retried) left nothing to pass on, and the retry threw "savedMessageNext is not a function" — an
 * uncaught exception, and a call that never settled. A first attempt that ends without a message now
 * hands the retry an empty one first; a later attempt's message replaces it.
 */
function firstAttempt(call: Attempt): Attempt {
  return new InterceptingCall(call, {
    start(metadata, listener, next) {
      let received = false;
      next(metadata, {
        onReceiveMessage(message, nextMessage) {
          received = true;
          nextMessage(message);
        },
        onReceiveStatus(status, nextStatus) {
          if (!received) listener.onReceiveMessage(undefined);
          nextStatus(status);
        },
      });
    },
  });
}
