// The CLI's and the demo's connection to Temporal: bounded by TEMPORAL_CONNECT_TIMEOUT_MS, and when Temporal
// does not answer in time the error says where it looked and which setting bounds the wait (issue 26.10).
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { temporalGrpcInterceptors } from './grpc-retry';

/** Temporal did not answer at `address` within `timeoutMs` (or refused the connection). */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
  constructor(
    readonly address: string,
    readonly timeoutMs: number,
    cause: unknown,
  ) {
    super(
      `Temporal is unreachable at ${address}: no answer within ${timeoutMs} ms (TEMPORAL_CONNECT_TIMEOUT_MS) — ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** Connection.connect with order-relay's gRPC interceptors, waiting at most `timeoutMs` for Temporal. */
export async function connectTemporal(
  address: string,
  timeoutMs: number,
  options: Omit<ConnectionOptions, 'address' | 'connectTimeout'> = {},
): Promise<Connection> {
  try {
    return await Connection.connect({
      interceptors: temporalGrpcInterceptors(),
      ...options,
      address,
      connectTimeout: timeoutMs,
    });
  } catch (err) {
    throw new TemporalUnreachableError(address, timeoutMs, err);
  }
}
