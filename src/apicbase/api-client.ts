// Apicbase's supplier purchase-order API: list orders (filters, pagination) and PATCH an order's
// `fetched_by_supplier` / `viewed_by_supplier` marks. Every call has a timeout, carries a bearer
// token from AccessTokenSource (one refresh-and-retry on 401), and fails with one of ./errors.
// Temporal-agnostic; the activities turn its errors into retry decisions.
import type { Logger } from '../logger';
import { parseRetryAfter } from '../hublify/retry-after';
import type { AccessTokenSource } from './access-tokens';
import {
  ApicbaseAuthError,
  ApicbaseRejectedError,
  ApicbaseTransientError,
  apicbaseDetail,
  type ApicbaseOperation,
} from './errors';
import { APICBASE_ID_DOTS_PROBLEM, isPathSafeApicbaseId } from './order';
import { parsePurchaseOrderPage, UnreadableEnvelopeError, type PurchaseOrderPage } from './purchase-order-page';

export const PURCHASE_ORDERS_PATH = '/api/v2/integrations/suppliers/purchase_orders/';

export interface ApicbaseApiClientOptions {
  baseUrl: string;
  tokens: AccessTokenSource;
  timeoutMs: number;
  /** Path of one order for PATCH, with `{id}` (the request shape is undocumented: configurable). */
  patchPath: string;
  fetchedPatchBody: Record<string, unknown>;
  viewedPatchBody: Record<string, unknown>;
  /** Optional: one debug line per call (operation, HTTP status, duration; never a token or a body). */
  logger?: Logger;
}

export interface ListRequest {
  /** Default ORDERED. */
  status?: string;
  /** ordered_on__gt: only orders placed after this instant. */
  orderedAfter?: string;
  /** The sort, e.g. `ordered_on,id` (oldest first); absent: the API's default, newest first. */
  ordering?: string;
  /** 1-based. */
  page: number;
  pageSize: number;
}

export type OrderMark = 'fetched' | 'viewed';

export class ApicbaseApiClient {
  private readonly base: string;

  constructor(private readonly opts: ApicbaseApiClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  async listPurchaseOrders(req: ListRequest): Promise<PurchaseOrderPage> {
    const status = req.status ?? 'ORDERED';
    const url = new URL(`${this.base}${PURCHASE_ORDERS_PATH}`);
    url.searchParams.set('status', status);
    if (req.orderedAfter) url.searchParams.set('ordered_on__gt', req.orderedAfter);
    if (req.ordering) url.searchParams.set('ordering', req.ordering);
    url.searchParams.set('page', String(req.page));
    url.searchParams.set('page_size', String(req.pageSize));
    const { status: httpStatus, body } = await this.call('list', 'GET', url, undefined, {
      emptyPageIsEnd: req.page > 1,
    });
    if (httpStatus === 404) return { orders: [], invalid: [], otherStatus: 0, count: null, hasNext: false, listed: [] };
    try {
      return parsePurchaseOrderPage(body, { page: req.page, pageSize: req.pageSize, status });
    } catch (err) {
      if (err instanceof UnreadableEnvelopeError)
        throw new ApicbaseTransientError(err.message, 'list', { reason: 'bad-response', httpStatus });
      throw err;
    }
  }

  /** Marks one order (irreversibly, in Apicbase). */
  async markOrder(id: string, mark: OrderMark): Promise<void> {
    // The id is one path segment, encoded; "." and ".." (which encoding leaves as they are, and a URL
    // resolves to another resource) never get here: refused before any request.
    if (!isPathSafeApicbaseId(id))
      throw new ApicbaseRejectedError(
        `Apicbase order id ${JSON.stringify(id.slice(0, 80))} ${APICBASE_ID_DOTS_PROBLEM}`,
        'patch',
        400,
      );
    const url = new URL(`${this.base}${this.opts.patchPath.replace('{id}', () => encodeURIComponent(id))}`);
    const body = mark === 'fetched' ? this.opts.fetchedPatchBody : this.opts.viewedPatchBody;
    await this.call('patch', 'PATCH', url, body);
  }

  private async call(
    operation: ApicbaseOperation,
    method: string,
    url: URL,
    json: unknown,
    opts: { emptyPageIsEnd?: boolean } = {},
  ): Promise<{ status: number; body: unknown }> {
    let token = await this.opts.tokens.accessToken();
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      const response = await this.send(operation, method, url, json, token);
      this.opts.logger?.debug({ operation, httpStatus: response.status, ms: Date.now() - started }, 'apicbase call');
      if (response.status === 401 && attempt === 1 && (await this.opts.tokens.refused(token))) {
        token = await this.opts.tokens.accessToken();
        continue;
      }
      return this.interpret(operation, response, opts);
    }
  }

  private async send(
    operation: ApicbaseOperation,
    method: string,
    url: URL,
    json: unknown,
    token: string,
  ): Promise<Response> {
    try {
      return await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new ApicbaseTransientError(
        timeout
          ? `Apicbase ${operation} timed out after ${this.opts.timeoutMs} ms`
          : `Apicbase ${operation}: ${networkText(err)}`,
        operation,
        { reason: timeout ? 'timeout' : 'network' },
      );
    }
  }

  private async interpret(
    operation: ApicbaseOperation,
    response: Response,
    opts: { emptyPageIsEnd?: boolean },
  ): Promise<{ status: number; body: unknown }> {
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new ApicbaseTransientError(`Apicbase ${operation}: the answer was cut off`, operation, {
        reason: 'network',
        httpStatus: response.status,
      });
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
      if (response.ok && operation === 'list') {
        throw new ApicbaseTransientError(
          `Apicbase ${operation} answered HTTP ${response.status} without JSON`,
          operation,
          { reason: 'bad-response', httpStatus: response.status },
        );
      }
    }
    const status = response.status;
    if (response.ok) return { status, body };
    const detail = apicbaseDetail(body);
    const what = `Apicbase ${operation} answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
    if (status === 429 || status === 503) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw new ApicbaseTransientError(what, operation, {
        reason: status === 429 ? 'rate-limited' : 'server-error',
        httpStatus: status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    if (status >= 500 || status === 408)
      throw new ApicbaseTransientError(what, operation, {
        reason: status === 408 ? 'timeout' : 'server-error',
        httpStatus: status,
      });
    if (status === 401 || status === 403) throw new ApicbaseAuthError(what, operation, 'refused', status);
    // DRF answers a page past the end with 404 "Invalid page.": the walk is over.
    if (status === 404 && opts.emptyPageIsEnd) return { status, body };
    throw new ApicbaseRejectedError(what, operation, status);
  }
}

function networkText(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? `network error ${cause.code}` : 'network error';
}
