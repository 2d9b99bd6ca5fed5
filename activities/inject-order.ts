// Inject: hands the mapped order to Hublify with order_create. A duplicate answer (the order was
// already injected, e.g. by an attempt whose reply was lost) is adopted only when the existing order
// is ours: our o_orderid_external and our person wherever Hublify shows it (`by` 'identity': the workflow
// then sends differing items as corrections), or for runs before patch `duplicate-ours-by-identity`
// also the items of a version sent (`by` 'content').
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { HublifyClient } from '../src/hublify/client';
import type { HublifyOrderCreateRequest, HublifyOrderData, HublifyOrderFilter } from '../src/hublify/types';
import { ORDER_NOT_FOUND } from '../src/hublify/message-texts';
import { HublifyRejectedError } from '../src/hublify/errors';
import { callHublify } from './api-failures';
import { ourOrder, sameOrder } from './same-order';

export interface InjectResult {
  orderId: string;
  personId: string | null;
  state: string;
  stateName: string | null;
  duplicate: boolean;
  /** Which attempt of this activity succeeded (Temporal counts them). */
  attempts: number;
}

/** The failure type when Hublify's order under our o_orderid_external is not this order. */
export const ORDER_NUMBER_TAKEN = 'HublifyOrderNumberTaken';

/**
 * How Hublify's order under our number is recognised as ours: 'content' (runs before patch
 * `duplicate-ours-by-identity`): it holds the items of a version sent; 'identity': it carries our
 * o_orderid_external and our person, whatever its items (the workflow then sends the corrections).
 */
export type OursBy = 'content' | 'identity';

const isOurs = (by: OursBy) => (by === 'identity' ? ourOrder : sameOrder);

/**
 * Heartbeats while `work` runs, so a cancel from the workflow reaches this attempt. The call itself is
 * let finish (bounded by the client's timeout): cut off mid-request, nobody would know whether Hublify
 * created the order. The workflow waits for the attempt to end (WAIT_CANCELLATION_COMPLETED) and then
 * looks the order up.
 */
async function heartbeating<T>(work: Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), 1_000);
  try {
    return await work;
  } finally {
    clearInterval(beat);
  }
}

function resultOf(data: HublifyOrderData, duplicate: boolean): InjectResult {
  return {
    orderId: data.orderid,
    personId: data.personid ?? null,
    state: data.order_state_code,
    stateName: data.order_state_name ?? null,
    duplicate,
    attempts: Context.current().info.attempt,
  };
}

export function createInjectActivities(deps: { hublify: HublifyClient }) {
  /** Hublify's order by our o_orderid_external (and its id when known), or null when Hublify has none. */
  function findOrder(filter: HublifyOrderFilter): Promise<HublifyOrderData | null> {
    return callHublify(async () => {
      try {
        return await deps.hublify.orderGet(filter);
      } catch (err) {
        if (err instanceof HublifyRejectedError && err.messages.some((m) => m.text === ORDER_NOT_FOUND)) return null;
        throw err;
      }
    });
  }

  /** Hublify's existing order under our number: ours when it matches a version sent, else the number is taken. */
  function adopted(
    existing: HublifyOrderData | null,
    sentBefore: HublifyOrderCreateRequest[],
    by: OursBy,
    orderId = existing?.orderid,
  ): InjectResult {
    if (!existing || !sentBefore.some((sent) => isOurs(by)(sent, existing))) {
      throw ApplicationFailure.nonRetryable(
        `another order holds number ${sentBefore[0]!.fields.order.o_orderid_external ?? '?'} in Hublify (${orderId ?? '?'}): ${by === 'identity' ? 'its person differs' : 'its person or items differ'} from this order's`,
        ORDER_NUMBER_TAKEN,
      );
    }
    return resultOf(existing, true);
  }

  return {
    /**
     * order_create once per attempt (a retry looks the order up first). `versions` are the requests sent for this order before (an amended
     * order may have reached Hublify in an earlier form): a duplicate matching any of them is ours;
     * with `by` 'identity', a duplicate with our external id and person is ours whatever its items.
     */
    async injectOrder(
      request: HublifyOrderCreateRequest,
      versions: HublifyOrderCreateRequest[] = [],
      by: OursBy = 'content',
    ): Promise<InjectResult> {
      const external = request.fields.order.o_orderid_external ?? '';
      const sentBefore = [request, ...versions];
      // A retry asks first: the attempt before may have created the order and died (worker killed, reply
      // lost) before it could say so. Hublify then gets no second order_create for it.
      if (Context.current().info.attempt > 1) {
        const existing = await heartbeating(findOrder({ o_orderid_external: external }));
        if (existing) return adopted(existing, sentBefore, by);
      }
      const { data, duplicate } = await heartbeating(callHublify(() => deps.hublify.orderCreate(request)));
      if (!duplicate) return resultOf(data, false);
      return adopted(
        await findOrder({ orderid: data.orderid, o_orderid_external: external }),
        sentBefore,
        by,
        data.orderid,
      );
    },

    /** order_get by the given ids: the order, or null when Hublify answers "Order not found". */
    async findHublifyOrder(filter: HublifyOrderFilter): Promise<HublifyOrderData | null> {
      return findOrder(filter);
    },

    /**
     * After an injection attempt was stopped: Hublify's order under our o_orderid_external when it is
     * this order (any of the versions sent, or by `by` 'identity' our external id and person), else null
     * (none, or another order's).
     */
    async findInjectedOrder(
      request: HublifyOrderCreateRequest,
      versions: HublifyOrderCreateRequest[] = [],
      by: OursBy = 'content',
    ): Promise<HublifyOrderData | null> {
      const existing = await findOrder({ o_orderid_external: request.fields.order.o_orderid_external ?? '' });
      return existing && [request, ...versions].some((sent) => isOurs(by)(sent, existing)) ? existing : null;
    },

    /** order_update: reports which fields Hublify updated and which it refused. */
    async updateHublifyOrder(filter: HublifyOrderFilter, fields: { order?: Record<string, unknown> }) {
      const { updated, refused, messages } = await callHublify(() => deps.hublify.orderUpdate(filter, fields));
      return { updated, refused, messages: messages.map((m) => `${m.type}: ${m.text}`) };
    },
  };
}
