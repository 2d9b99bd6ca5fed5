// Track: reads the order's current state and shipments from Hublify (order_get). The waiting between
// polls is the workflow's durable timer, not this activity's.
import type { HublifyClient } from '../src/hublify/client';
import type { HublifyOrderData, HublifyOrderFilter } from '../src/hublify/types';
import { callHublify } from './api-failures';

export function createTrackActivities(deps: { hublify: HublifyClient }) {
  return {
    async getHublifyOrder(filter: HublifyOrderFilter): Promise<HublifyOrderData> {
      return callHublify(() => deps.hublify.orderGet(filter));
    },
  };
}
