// Inject: hands the mapped order to Hublify with order_create. A duplicate answer (the order was
// already injected, e.g. by an attempt whose reply was lost) is a success carrying the existing ids.
import { Context } from '@temporalio/activity';
import type { HublifyClient } from '../src/hublify/client';
import type { HublifyOrderCreateRequest, HublifyOrderFilter } from '../src/hublify/types';
import { callHublify } from './api-failures';

export interface InjectResult {
  orderId: string;
  personId: string | null;
  state: string;
  stateName: string | null;
  duplicate: boolean;
  /** Which attempt of this activity succeeded (Temporal counts them). */
  attempts: number;
}

export function createInjectActivities(deps: { hublify: HublifyClient }) {
  return {
    async injectOrder(request: HublifyOrderCreateRequest): Promise<InjectResult> {
      const { data, duplicate } = await callHublify(() => deps.hublify.orderCreate(request));
      return {
        orderId: data.orderid,
        personId: data.personid ?? null,
        state: data.order_state_code,
        stateName: data.order_state_name ?? null,
        duplicate,
        attempts: Context.current().info.attempt,
      };
    },

    /** order_update: reports which fields Hublify updated and which it refused. */
    async updateHublifyOrder(filter: HublifyOrderFilter, fields: { order?: Record<string, unknown> }) {
      const { updated, refused, messages } = await callHublify(() => deps.hublify.orderUpdate(filter, fields));
      return { updated, refused, messages: messages.map((m) => `${m.type}: ${m.text}`) };
    },
  };
}
