// Custom search attributes the order workflow keeps current, so operators can filter orders in the
// Temporal Web UI (e.g. `OrderStage = "NEEDS_ATTENTION"`). Registered by `npm start` and the tests.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const OrderNumber = defineSearchAttributeKey('OrderNumber', SearchAttributeType.KEYWORD);
export const CustomerNumber = defineSearchAttributeKey('CustomerNumber', SearchAttributeType.KEYWORD);
export const HublifyOrderId = defineSearchAttributeKey('HublifyOrderId', SearchAttributeType.KEYWORD);
export const OrderStage = defineSearchAttributeKey('OrderStage', SearchAttributeType.KEYWORD);
export const ExpectedDeliveryDate = defineSearchAttributeKey('ExpectedDeliveryDate', SearchAttributeType.DATETIME);

export const ORDER_SEARCH_ATTRIBUTES = [OrderNumber, CustomerNumber, HublifyOrderId, OrderStage, ExpectedDeliveryDate];
