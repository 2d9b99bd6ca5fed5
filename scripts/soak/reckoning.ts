// The soak's reckoning after the drain: what the senders were told against what Temporal, the Hublify
// sandbox and the order store hold. Each broken promise is a problem; the run fails on any.
import type { Client } from '@temporalio/client';
import { orderWorkflowId, type ApicbaseOrder } from '../../src/apicbase/order';
import type { HublifySandbox } from '../../src/hublify/sandbox/server';
import { pollUntil } from '../../src/poll-until';
import type { OrderStore } from '../../src/store/order-store';
import { statusQuery } from '../../workflows/order-messages';
import type { OrderStage, OrderStatus } from '../../workflows/order-status';
import { OrderStage as OrderStageAttribute } from '../../workflows/search-attributes';

export interface SentOrder {
  /** valid: a good order; invalid: an unknown customer (refused); unreadable: not JSON. */
  kind: 'valid' | 'invalid' | 'unreadable';
  order: ApicbaseOrder | null;
  /** The HTTP status of each delivery (0: no answer at all, after the sender's retries). */
  answers: number[];
}

/**
 * The stage an accepted order settles in: an invalid one (accepted before its verdict) waits for
 * support in NEEDS_ATTENTION; a valid one follows its Hublify order — shipped or cancelled there is
 * seen so, anything else waits for shipment.
 */
export function settledStage(kind: SentOrder['kind'], hublifyState: string | undefined): OrderStage {
  if (kind === 'invalid') return 'NEEDS_ATTENTION';
  if (hublifyState === 'shipped') return 'SHIPPED';
  if (hublifyState === 'cancelled') return 'CANCELLED';
  return 'WAITING_FOR_SHIPMENT';
}

/** Each order workflow's stage by workflow id, from visibility (the OrderStage search attribute of the latest run of each chain). */
export async function orderStagesFromVisibility(client: Client): Promise<Map<string, string>> {
  const stages = new Map<string, { stage: string; startedAt: number }>();
  for await (const wf of client.workflow.list({
    query: `WorkflowType = "orderWorkflow" AND ExecutionStatus != "ContinuedAsNew"`,
  })) {
    const stage = wf.typedSearchAttributes.get(OrderStageAttribute);
    const startedAt = wf.startTime.getTime();
    const known = stages.get(wf.workflowId);
    if (stage && (!known || known.startedAt < startedAt)) stages.set(wf.workflowId, { stage, startedAt });
  }
  return new Map([...stages].map(([id, { stage }]) => [id, stage]));
}

/** The status query's answer, or why it gave up. */
export type StatusReading = { status: OrderStatus } | { queryError: string };

/**
 * The status query, tried again (each try bounded by its own 10 s gRPC deadline) until `patienceMs`: on a
 * loaded machine a single query can time out while the workflow's task waits for a worker slot, and one
 * lost answer must not read as a stuck order. Always tried at least once, however little patience is left.
 */
export async function readStatus(client: Client, workflowId: string, patienceMs = 60_000): Promise<StatusReading> {
  const ask = () =>
    client.withDeadline(Date.now() + 10_000, () => client.workflow.getHandle(workflowId).query(statusQuery));
  try {
    const status =
      patienceMs > 0
        ? await pollUntil(ask, { what: `the status query of ${workflowId}`, timeoutMs: patienceMs, everyMs: 1_000 })
        : await ask();
    return { status };
  } catch (err) {
    // pollUntil's timeout carries the query's last error as its cause.
    const cause = (err as Error).cause;
    return { queryError: cause instanceof Error ? cause.message : (err as Error).message };
  }
}

/**
 * The relay's side of one accepted order against the stage it should have settled in. With a status
 * answer, the order is stuck when its stage differs. When the status query gave up, the relay's own
 * records decide: visibility (the OrderStage search attribute) and the order store both at the expected
 * stage mean the query gave up under load and the order is settled — not a problem, counted apart —
 * otherwise the order is stuck, and the line says what each record holds.
 */
export function judgeRelaySide(input: {
  orderNumber: string;
  expected: OrderStage;
  reading: StatusReading;
  visibilityStage: string | undefined;
  storeStage: string | undefined;
  hublify: { state: string | undefined; orderId: string | undefined };
}): { problem: string | null; queryGaveUp: string | null } {
  const { orderNumber, expected, reading, visibilityStage, storeStage, hublify } = input;
  const hublifySide = `Hublify ${hublify.state ?? 'none'} (${hublify.orderId ?? '-'})`;
  if ('status' in reading) {
    const status = reading.status;
    if (status.stage === expected) return { problem: null, queryGaveUp: null };
    // What each side holds, so a stuck order explains itself (whose order id, how many polls, the last error).
    const relaySide = `relay ${status.stage} tracking ${status.hublify?.orderId ?? 'no Hublify order'} (${status.hublify?.state ?? '-'}), ${status.attempts.polls} polls, last error ${status.lastError ?? 'none'}`;
    return { problem: `${orderNumber}: ${hublifySide}, ${relaySide} (stuck)`, queryGaveUp: null };
  }
  const records = `visibility says ${visibilityStage ?? 'nothing'}, store says ${storeStage ?? 'no row'}`;
  if (visibilityStage === expected && storeStage === expected) {
    return {
      problem: null,
      queryGaveUp: `${orderNumber}: status query gave up (${reading.queryError}); ${records}: settled ${expected}, not stuck`,
    };
  }
  return {
    problem: `${orderNumber}: ${hublifySide}, relay status query gave up (${reading.queryError}); ${records}, expected ${expected} (stuck)`,
    queryGaveUp: `${orderNumber}: status query gave up (${reading.queryError})`,
  };
}

export interface Reckoning {
  orders: { sent: number; deliveries: number; answered2xx: number; answered4xx: number; answered5xxOrNone: number };
  why4xx: Record<string, number>;
  /** The last answer of each delivery that never got a 2xx or 4xx: 0 (no answer at all) or its 5xx status. */
  unanswered: Record<string, number>;
  workflows: number;
  hublifyOrders: number;
  orderCreateCalls: number;
  /** How many accepted orders got 1, 2, … order_create calls (failed calls count: a 500 or a drop). */
  createCallsPerOrder: Record<string, number>;
  shippedInHublify: number;
  shippedInRelay: number;
  shippedInStore: number;
  cancelledInHublify: number;
  rejectedAfter2xx: number;
  /** Orders whose status query gave up even when tried again: each says whether the relay's records show it settled or stuck. */
  statusQueriesGaveUp: string[];
  faults: string[];
  /** Process exits the soak did not cause; the supervisor restarted them. */
  selfExits: string[];
  problems: string[];
  ok: boolean;
}

const isOk = (s: number) => s >= 200 && s < 300;
const is4xx = (s: number) => s >= 400 && s < 500;
/** A delivery the sender gave up on: no answer at all (0) or a 5xx. */
const isUnanswered = (s: number) => s === 0 || s >= 500;
const countInto = (counts: Record<string, number>, key: string) => void (counts[key] = (counts[key] ?? 0) + 1);

export async function reckon(input: {
  sent: SentOrder[];
  sandbox: HublifySandbox;
  client: Client;
  store: OrderStore;
  faults: string[];
  selfExits: string[];
}): Promise<Reckoning> {
  const { sent, sandbox, client, store } = input;
  const problems: string[] = [];
  const answers = sent.flatMap((s) => s.answers);
  const why4xx: Record<string, number> = {};
  for (const s of sent) for (const a of s.answers.filter(is4xx)) countInto(why4xx, `${s.kind} ${a}`);
  const unanswered: Record<string, number> = {};
  for (const a of answers.filter(isUnanswered)) countInto(unanswered, a === 0 ? 'no answer' : String(a));

  let workflows = 0;
  let shippedInRelay = 0;
  let shippedInStore = 0;
  let rejectedAfter2xx = 0;
  const hublify = sandbox.orders();
  const createCallsPerOrder: Record<string, number> = {};
  const statusQueriesGaveUp: string[] = [];
  // Queries that fail are asked again within one shared budget, so a machine too loaded to answer any
  // query adds at most two minutes to the reckoning (afterwards each is tried once).
  const queryBudgetEnds = Date.now() + 120_000;
  const visibilityStages = await orderStagesFromVisibility(client).catch(() => new Map<string, string>());
  for (const s of sent.filter((x) => x.order)) {
    const order = s.order!;
    const id = orderWorkflowId(order.id);
    // A run that continued as new is the same workflow going on (tracking rolls over every
    // TRACK_POLLS_PER_RUN polls), not a second one: count the chains, not their runs.
    const runs = (await client.workflow.count(`WorkflowId = "${id}" AND ExecutionStatus != "ContinuedAsNew"`)).count;
    workflows += runs;
    const accepted = s.answers.some(isOk);
    const inHublify = hublify.filter((o) => o.o_orderid_external === order.order_number);
    if (!accepted) {
      if (runs > 0 && s.answers.every(is4xx))
        problems.push(`${order.order_number}: answered ${s.answers.join('/')} but has a workflow`);
      continue;
    }
    if (runs !== 1) problems.push(`${order.order_number}: accepted, ${runs} workflows`);
    const reading = await readStatus(client, id, Math.min(60_000, Math.max(0, queryBudgetEnds - Date.now())));
    const status = 'status' in reading ? reading.status : undefined;
    if (s.kind === 'invalid') {
      // Answered 2xx (a late verdict) and rejected afterwards: support is told in NEEDS_ATTENTION.
      if (status?.stage === 'NEEDS_ATTENTION' && inHublify.length === 0) rejectedAfter2xx += 1;
      else
        problems.push(
          `${order.order_number}: an invalid order accepted, now ${status?.stage ?? 'unknown'} with ${inHublify.length} Hublify orders`,
        );
      continue;
    }
    const calls = String(sandbox.orderCreateCalls(order.order_number));
    countInto(createCallsPerOrder, calls);
    if (inHublify.length !== 1) problems.push(`${order.order_number}: accepted, ${inHublify.length} Hublify orders`);
    const state = inHublify[0]?.order_state_code;
    const expected = settledStage(s.kind, state);
    const row = await store.getOrder(id);
    const judged = judgeRelaySide({
      orderNumber: order.order_number,
      expected,
      reading,
      visibilityStage: visibilityStages.get(id),
      storeStage: row?.stage,
      hublify: { state, orderId: inHublify[0]?.orderid },
    });
    if (judged.problem) problems.push(judged.problem);
    if (judged.queryGaveUp) statusQueriesGaveUp.push(judged.queryGaveUp);
    if (state === 'shipped') {
      if (status?.stage === 'SHIPPED' || (!status && !judged.problem)) shippedInRelay += 1;
      if (row?.stage === 'SHIPPED' && row.shipments.length > 0) shippedInStore += 1;
      else
        problems.push(
          `${order.order_number}: shipped in Hublify, store has ${row?.stage ?? 'no row'} with ${row?.shipments.length ?? 0} shipments`,
        );
    }
  }

  const reckoning: Reckoning = {
    orders: {
      sent: sent.length,
      deliveries: answers.length,
      answered2xx: answers.filter(isOk).length,
      answered4xx: answers.filter(is4xx).length,
      answered5xxOrNone: answers.filter(isUnanswered).length,
    },
    why4xx,
    unanswered,
    workflows,
    hublifyOrders: hublify.length,
    orderCreateCalls: sandbox.requestCounts().order_create ?? 0,
    createCallsPerOrder,
    shippedInHublify: hublify.filter((o) => o.order_state_code === 'shipped').length,
    shippedInRelay,
    shippedInStore,
    cancelledInHublify: hublify.filter((o) => o.order_state_code === 'cancelled').length,
    rejectedAfter2xx,
    statusQueriesGaveUp,
    faults: input.faults,
    selfExits: input.selfExits,
    problems,
    ok: false,
  };
  if (reckoning.hublifyOrders !== new Set(hublify.map((o) => o.o_orderid_external)).size)
    problems.push('two Hublify orders share an o_orderid_external');
  if (reckoning.orders.answered5xxOrNone > 0)
    problems.push(
      `${reckoning.orders.answered5xxOrNone} deliveries got no answer or a 5xx after three minutes of retries`,
    );
  if (!sent.some((s) => s.kind === 'valid' && s.answers.some(isOk)))
    problems.push('no order was accepted: the soak proved nothing');
  reckoning.ok = problems.length === 0;
  return reckoning;
}

export function printReckoning(r: Reckoning, write: (line: string) => void): void {
  write(
    `orders sent ${r.orders.sent}, deliveries ${r.orders.deliveries}: 2xx ${r.orders.answered2xx}, 4xx ${r.orders.answered4xx} ${JSON.stringify(r.why4xx)}, 5xx or none ${r.orders.answered5xxOrNone} ${JSON.stringify(r.unanswered)}`,
  );
  write(
    `workflows ${r.workflows}; Hublify orders ${r.hublifyOrders}; order_create calls received ${r.orderCreateCalls} (accepted orders by calls: ${JSON.stringify(r.createCallsPerOrder)})`,
  );
  write(
    `shipped in Hublify ${r.shippedInHublify}, SHIPPED in the relay ${r.shippedInRelay}, in the store ${r.shippedInStore}; cancelled in Hublify ${r.cancelledInHublify}; rejected after a 2xx ${r.rejectedAfter2xx}`,
  );
  for (const line of r.statusQueriesGaveUp) write(`status query: ${line}`);
  write(`faults played: ${r.faults.join(', ')}`);
  for (const exit of r.selfExits) write(`restarted by the supervisor: ${exit}`);
  write(r.ok ? 'OK: every promise held' : `FAILED:\n  - ${r.problems.join('\n  - ')}`);
}
