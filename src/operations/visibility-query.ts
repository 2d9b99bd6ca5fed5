// Builds the Temporal visibility query behind `orders list` and GET /admin/orders. Every value an
// operator gives is validated and quoted here, so a filter can never change the query's meaning.
import { epochMsOf, parseIsoDateTime } from '../../workflows/iso-date-time';
import ms from 'ms';
import {
  CustomerNumber,
  ORDER_STAGES,
  ORDER_WORKFLOW_TYPE,
  OrderNumber,
  OrderStageKey,
  type OrderStage,
} from '../../workflows/order-contract';
import { OperationError } from './errors';

/** The workflow type of every order (defined with the workflow's contract). */
export { ORDER_WORKFLOW_TYPE };

export interface OrderListFilters {
  /** Any of these stages (OR). */
  stages?: OrderStage[];
  customerNumber?: string;
  orderNumber?: string;
  /** Workflows started at or after this time. */
  since?: Date;
  /** Stage NEEDS_ATTENTION (added to `stages`). */
  needsAttention?: boolean;
  /** Stage OVERDUE (added to `stages`). */
  overdue?: boolean;
  /** Only running (true) or only closed (false) workflows. */
  running?: boolean;
  /** Running workflows, and those closed at or after this time (`orders watch`: what is live, and what just ended). */
  runningOrClosedSince?: Date;
}

/**
 * A visibility query string literal. The value goes between double quotes, so it must not hold a
 * double quote; and Temporal's visibility stores differ in how (and whether) they read backslash
 * escapes — the SQL ones even pass an escaped NUL on to the database — so a value with a quote, a
 * backslash or a control character is refused instead of escaped: it could not be matched reliably.
 * No order number or customer number in practice has one; such an order is found by its Apicbase id.
 */
// eslint-disable-next-line no-control-regex
const UNQUERYABLE = /["\\\u0000-\u001f\u007f]/;

/** True when queryLiteral accepts the value. */
export function isQueryable(value: string): boolean {
  return !UNQUERYABLE.test(value);
}

export function queryLiteral(value: string): string {
  if (!isQueryable(value)) {
    throw new OperationError(
      'usage',
      `${JSON.stringify(value)} cannot be searched for: Temporal visibility cannot match a double quote, backslash or control character`,
    );
  }
  return `"${value}"`;
}

export function parseStage(value: string): OrderStage {
  const stage = value.trim().toUpperCase().replace(/-/g, '_');
  if (!(ORDER_STAGES as readonly string[]).includes(stage)) {
    throw new OperationError('usage', `unknown stage "${value}" (one of ${ORDER_STAGES.join(', ')})`);
  }
  return stage as OrderStage;
}

/** "2026-11-20", "2026-11-20T09:30:00+01:00", or a duration back from now: "2h", "7d". */
export function parseSince(value: string, now: Date = new Date()): Date {
  const text = value.trim();
  const duration = /^\d+(\.\d+)?\s*[a-z]+$/i.test(text)
    ? (ms(text as ms.StringValue) as number | undefined)
    : undefined;
  if (typeof duration === 'number' && Number.isFinite(duration) && duration >= 0)
    return new Date(now.getTime() - duration);
  // Strict ISO-8601; a time without an offset is UTC (not this machine's zone), a date starts at 00:00 UTC.
  const moment = parseIsoDateTime(text.replace(' ', 'T'), { allowDateOnly: true });
  if (moment) return new Date(epochMsOf(moment));
  throw new OperationError(
    'usage',
    `--since "${value}" is neither a date (2026-11-20, 2026-11-20T09:30:00Z) nor a duration (2h, 7d)`,
  );
}

/** The query for order workflows matching every filter given (stages are OR'ed, the rest AND'ed). */
export function orderListQuery(filters: OrderListFilters): string {
  const clauses = [`WorkflowType = ${queryLiteral(ORDER_WORKFLOW_TYPE)}`];
  const stages = new Set<OrderStage>(filters.stages ?? []);
  if (filters.needsAttention) stages.add('NEEDS_ATTENTION');
  if (filters.overdue) stages.add('OVERDUE');
  if (stages.size > 0)
    clauses.push(`(${[...stages].map((s) => `${OrderStageKey.name} = ${queryLiteral(s)}`).join(' OR ')})`);
  if (filters.customerNumber !== undefined)
    clauses.push(`${CustomerNumber.name} = ${queryLiteral(filters.customerNumber)}`);
  if (filters.orderNumber !== undefined) clauses.push(`${OrderNumber.name} = ${queryLiteral(filters.orderNumber)}`);
  if (filters.since) {
    if (Number.isNaN(filters.since.getTime())) throw new OperationError('usage', 'since is not a valid date');
    clauses.push(`StartTime >= ${queryLiteral(filters.since.toISOString())}`);
  }
  if (filters.running !== undefined)
    clauses.push(filters.running ? 'ExecutionStatus = "Running"' : 'ExecutionStatus != "Running"');
  if (filters.runningOrClosedSince)
    clauses.push(
      `(ExecutionStatus = "Running" OR CloseTime >= ${queryLiteral(filters.runningOrClosedSince.toISOString())})`,
    );
  return clauses.join(' AND ');
}
