// The order workflow's contract, in one place: what the workflow and its callers (src/, activities/,
// scripts, tests) share — its type name and signature, messages, status types and constants, search
// attributes. Callers import this (or its parts: order-messages, order-status, search-attributes), never
// the workflow's implementation at run time (lint: eslint.config.mjs), so no import circle runs through it.
import type { OrderStatus, OrderWorkflowInput } from './order-status';

export * from './order-messages';
export * from './order-status';
export {
  CustomerNumber,
  ExpectedDeliveryDate,
  HublifyOrderId,
  ORDER_SEARCH_ATTRIBUTES,
  OrderNumber,
  OrderStage as OrderStageKey,
} from './search-attributes';

/** The workflow type of every order: the name of the function workflows/order/workflow.ts exports. */
export const ORDER_WORKFLOW_TYPE = 'orderWorkflow';

/** The order workflow's signature, for typed starts and handles by ORDER_WORKFLOW_TYPE. */
export type OrderWorkflow = (input: OrderWorkflowInput) => Promise<OrderStatus>;
