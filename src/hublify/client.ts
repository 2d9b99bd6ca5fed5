// The Hublify channel API client (docs.hublify.io/docs-developer/channel-api/order-handling). One POST per verb, JSON in
// and out, token in the API-Channel-Token header. Every answer is checked with zod here, at the
// boundary, and every failure becomes one of the errors in ./errors. Temporal-agnostic.
import { z } from 'zod';
import type { Logger } from '../logger';
import { loggableError } from '../log-safe-error';
import { HublifyAuthError, HublifyRejectedError, HublifyTransientError } from './errors';
import { errorTexts, isWarning, parseUpdateMessages } from './message-texts';
import { parseRetryAfter } from './retry-after';
import {
  hublifyEnvelopeSchema,
  hublifyOrderDataSchema,
  type HublifyEnvelope,
  type HublifyMessage,
  type HublifyOrderCreateRequest,
  type HublifyOrderData,
  type HublifyOrderFilter,
  type HublifyOrderListFilter,
  type HublifyVerb,
} from './types';

export interface HublifyClientOptions {
  baseUrl: string;
  channel: string;
  token: string;
  timeoutMs: number;
  /** Optional: one debug line per call (verb, HTTP status, duration; never the token or a body). */
  logger?: Logger;
}

export interface HublifyOrderCreateResult {
  data: HublifyOrderData;
  /** True when Hublify already had this o_orderid_external: `data` then names the existing order. */
  duplicate: boolean;
  messages: HublifyMessage[];
}

export interface HublifyOrderUpdateResult {
  updated: string[];
  refused: string[];
  messages: HublifyMessage[];
}

export interface HublifyOrderUpdateFields {
  order?: Record<string, unknown>;
  person?: Record<string, unknown>;
}

const orderListSchema = z.array(hublifyOrderDataSchema).nullable().optional();

export class HublifyClient {
  private readonly endpoint: string;

  constructor(private readonly opts: HublifyClientOptions) {
    this.endpoint = `${opts.baseUrl.replace(/\/+$/, '')}/api/${encodeURIComponent(opts.channel)}`;
  }

  /** Health check: resolves when Hublify answers `{"status": true}`. */
  async stats(): Promise<void> {
    const envelope = await this.call('stats', {});
    if (!envelope.status) throw rejection('stats', envelope.msg ?? []);
  }

  async orderCreate(req: HublifyOrderCreateRequest): Promise<HublifyOrderCreateResult> {
    const envelope = await this.call('order_create', req);
    const messages = envelope.msg ?? [];
    if (envelope.status)
      return { data: parseData('order_create', hublifyOrderDataSchema, envelope.data), duplicate: false, messages };
    // A second inject of the same o_orderid_external, recognised by its structure, not its wording:
    // status false, a WARNING and no ERROR, and the existing order's ids for our o_orderid_external.
    const existing = hublifyOrderDataSchema.safeParse(envelope.data);
    const external = req.fields.order.o_orderid_external;
    if (
      existing.success &&
      external &&
      existing.data.o_orderid_external === external &&
      messages.some(isWarning) &&
      errorTexts(messages).length === 0
    ) {
      return { data: existing.data, duplicate: true, messages };
    }
    throw rejection('order_create', messages);
  }

  async orderUpdate(filter: HublifyOrderFilter, fields: HublifyOrderUpdateFields): Promise<HublifyOrderUpdateResult> {
    const envelope = await this.call('order_update', { filter, fields });
    const messages = envelope.msg ?? [];
    if (!envelope.status) throw rejection('order_update', messages);
    return { ...parseUpdateMessages(messages), messages };
  }

  async orderGet(filter: HublifyOrderFilter): Promise<HublifyOrderData> {
    const envelope = await this.call('order_get', { filter });
    if (!envelope.status) throw rejection('order_get', envelope.msg ?? []);
    return parseData('order_get', hublifyOrderDataSchema, envelope.data);
  }

  async orderGetList(filter: HublifyOrderListFilter): Promise<HublifyOrderData[]> {
    return (await this.orderList(filter)).orders;
  }

  /**
   * order_getList with the envelope's total, when Hublify sends one (`total` or `count`, undocumented):
   * the sweep compares it with the rows to tell a capped answer (src/hublify/sweep-list.ts).
   */
  async orderList(filter: HublifyOrderListFilter): Promise<{ orders: HublifyOrderData[]; total?: number }> {
    const envelope = await this.call('order_getList', { filter });
    if (!envelope.status) throw rejection('order_getList', envelope.msg ?? []);
    const orders = parseData('order_getList', orderListSchema, envelope.data) ?? [];
    const total = [envelope.total, envelope.count].find(
      (n): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0,
    );
    return total === undefined ? { orders } : { orders, total };
  }

  /** POSTs one verb and returns the validated envelope; throws for anything but a readable answer. */
  private async call(verb: HublifyVerb, body: unknown): Promise<HublifyEnvelope> {
    const started = Date.now();
    try {
      const envelope = await this.send(verb, body);
      this.opts.logger?.debug({ verb, durationMs: Date.now() - started, status: envelope.status }, 'hublify call');
      return envelope;
    } catch (err) {
      this.opts.logger?.debug(
        { verb, durationMs: Date.now() - started, err: err instanceof Error ? loggableError(err) : String(err) },
        'hublify call failed',
      );
      throw err;
    }
  }

  private async send(verb: HublifyVerb, body: unknown): Promise<HublifyEnvelope> {
    let response: Response;
    let text: string;
    try {
      // One signal for the whole exchange: connecting, waiting for headers and reading the body.
      const signal = AbortSignal.timeout(this.opts.timeoutMs);
      response = await fetch(`${this.endpoint}/${verb}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'API-Channel-Token': this.opts.token,
        },
        body: JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (err) {
      throw this.transportFailure(verb, err);
    }
    return interpretResponse(verb, response, text);
  }

  private transportFailure(verb: HublifyVerb, err: unknown): HublifyTransientError {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return new HublifyTransientError(`Hublify ${verb} did not answer within ${this.opts.timeoutMs} ms`, verb, {
        reason: 'timeout',
      });
    }
    return new HublifyTransientError(`Hublify ${verb} could not be reached (${describeNetworkError(err)})`, verb, {
      reason: 'network',
    });
  }
}

function interpretResponse(verb: HublifyVerb, response: Response, text: string): HublifyEnvelope {
  const { status } = response;
  const envelope = readEnvelope(text);
  const messages = envelope?.msg ?? [];

  if (status === 429 || status === 408 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const reason = status === 429 ? 'rate-limited' : status === 408 ? 'timeout' : 'server-error';
    const wait = retryAfterMs === undefined ? '' : ` (retry after ${retryAfterMs} ms)`;
    throw new HublifyTransientError(`Hublify ${verb} answered HTTP ${status}${wait}`, verb, {
      reason,
      httpStatus: status,
      retryAfterMs,
    });
  }
  if (status === 401 || status === 403) {
    const detail = messages.length ? `: ${joinTexts(messages)}` : '';
    throw new HublifyAuthError(
      `Hublify refused the channel token for ${verb} (HTTP ${status})${detail}`,
      verb,
      status,
      messages,
    );
  }
  if (status >= 400) {
    const detail = messages.length ? `: ${joinTexts(messages)}` : '';
    throw new HublifyRejectedError(`Hublify ${verb} answered HTTP ${status}${detail}`, verb, messages, status);
  }
  if (!envelope) {
    const type = response.headers.get('content-type') ?? 'no content-type';
    throw new HublifyTransientError(
      `Hublify ${verb} answered HTTP ${status} with a body that is not a channel-API answer (${type})`,
      verb,
      { reason: 'bad-response', httpStatus: status },
    );
  }
  return envelope;
}

/** The envelope, or undefined when the body is not JSON or not `{status, data?, msg?}`. */
function readEnvelope(text: string): HublifyEnvelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = hublifyEnvelopeSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

function parseData<T extends z.ZodType>(verb: HublifyVerb, schema: T, data: unknown): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  // Paths and zod's wording only: the values could be customer data.
  const where = parsed.error.issues.map((i) => `data.${i.path.join('.')}: ${i.message}`).join('; ');
  throw new HublifyTransientError(`Hublify ${verb} answered with unexpected data (${where})`, verb, {
    reason: 'bad-response',
  });
}

function rejection(verb: HublifyVerb, messages: HublifyMessage[]): HublifyRejectedError {
  return new HublifyRejectedError(joinTexts(messages) || `Hublify refused ${verb} without a message`, verb, messages);
}

/** Hublify's ERROR texts; all texts when there is no ERROR among them. */
function joinTexts(messages: HublifyMessage[]): string {
  const errors = errorTexts(messages);
  return (errors.length ? errors : messages.map((m) => m.text)).join('; ');
}

/** e.g. "ECONNREFUSED" or "UND_ERR_SOCKET: other side closed", from undici's `cause`. */
function describeNetworkError(err: unknown): string {
  const cause: unknown = err instanceof Error ? (err.cause ?? err) : err;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
