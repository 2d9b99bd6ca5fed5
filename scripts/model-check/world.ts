// The real system the model check drives, and how it reads it: one Temporal dev server, the relay
// (API and worker in-process, as `npm start` wires them, through test/helpers/system), the Hublify
// sandbox over HTTP with its fault API, the order store, and a support-notification sink. Each sequence
// works on a fresh Apicbase order; `snapshot()` reads what the invariants need once nothing is in flight.
import { WorkflowNotFoundError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import type { ApicbaseOrder } from '../../src/apicbase/order';
import { orderWorkflowId } from '../../src/apicbase/order';
import type { ScheduledFault } from '../../src/hublify/sandbox/faults';
import type { SandboxOrder } from '../../src/hublify/sandbox/state';
import { operationsContext, type OperationsContext } from '../../src/operations/context';
import { explainOrder, showOrder, summary } from '../../src/operations/orders';
import { pollUntil } from '../../src/poll-until';
import { requestQuery, statusQuery } from '../../workflows/order-messages';
import type { OrderStatus } from '../../workflows/order-status';
import { startNotifySink, type NotifySink } from '../../test/helpers/notify-sink';
import { sampleOrder } from '../../test/helpers/sample-order';
import { startTestSystem, type TestSystem } from '../../test/helpers/system';
import { comparedFields, type HeldOrder, type Snapshot, type SupportAnswer } from './invariants';

/**
 * The relay's settings in the model check: an injection gives up after 6 s (NEEDS_ATTENTION; its
 * activity's schedule-to-close is that budget too); an amendment waits 8 s for an attempt, longer than
 * that budget; a Hublify call times out after 4 s, so a 3 s order_create is an attempt in flight that
 * succeeds late and a 5 s one a lost reply (Hublify creates the order, the relay never hears). Polls are
 * hourly (only a push, a poll or a retry brings news) and every second poll continues the run as new.
 */
export const MODEL_SETTINGS: Record<string, string> = {
  HUBLIFY_TIMEOUT_MS: '4000',
  INJECT_RETRY_INITIAL_MS: '300',
  INJECT_RETRY_MAX_INTERVAL_MS: '1000',
  INJECT_RETRY_FOR_MS: '6000',
  AMEND_WAIT_MS: '8000',
  TRACK_POLL_SCHEDULE: '1h',
  TRACK_POLLS_PER_RUN: '2',
  WORKER_SHUTDOWN_GRACE_MS: '500',
  NOTIFY_FORMAT: 'json',
};
export const LOST_REPLY_DELAY_MS = 5_000;
export const IN_FLIGHT_DELAY_MS = 3_000;

export class World {
  order!: ApicbaseOrder;
  answers: SupportAnswer[] = [];
  finalSeen: Snapshot['finalSeen'] = null;
  newsSince: number | null = null;
  /** Verbs Hublify answers 500 to (this sequence). */
  outages = new Set<string>();
  step = 0;

  private constructor(
    readonly system: TestSystem,
    readonly sink: NotifySink,
  ) {}

  /** What the CLI and the admin API act through, on the relay's current client (a restart makes a new one). */
  get ops(): OperationsContext {
    // As the admin API builds it (src/order-relay.ts): the relay's store answers replays and refused orders.
    const store = this.system.relay.store;
    return operationsContext(
      this.system.config,
      this.system.relay.client,
      store ? store.latestStage.bind(store) : null,
      store,
    );
  }

  static async start(): Promise<World> {
    const sink = await startNotifySink();
    try {
      const system = await startTestSystem({ ...MODEL_SETTINGS, NOTIFY_WEBHOOK_URL: sink.url });
      return new World(system, sink);
    } catch (err) {
      await sink.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.system.close();
    await this.sink.close();
  }

  /** A fresh order and a clean Hublify (no faults) for the next sequence. */
  async begin(): Promise<void> {
    await this.sandboxCall('DELETE', '/faults');
    this.sink.status = 200;
    this.order = sampleOrder();
    this.answers = [];
    this.finalSeen = null;
    this.newsSince = null;
    this.outages = new Set();
    this.step = 0;
  }

  /** Ends the sequence's order so it costs nothing later (its workflow may still be running). */
  async end(): Promise<void> {
    await this.sandboxCall('DELETE', '/faults').catch(() => undefined);
    this.sink.status = 200;
    await this.handle()
      .terminate('model check: sequence done')
      .catch(() => undefined);
  }

  get workflowId(): string {
    return orderWorkflowId(this.order.id);
  }

  handle(): WorkflowHandle {
    return this.system.relay.client.workflow.getHandle(this.workflowId);
  }

  get config() {
    return this.system.config;
  }

  /** The sandbox's control API over HTTP (/_sandbox/...), as an operator's tooling calls it. */
  async sandboxCall(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.system.sandbox.url}/_sandbox${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  }

  /**
   * The per-verb outages as `outages` says. The sandbox can only clear every fault, so the one-shot faults
   * not played yet (a lost reply, a refusal) are put back as they were.
   */
  async setOutages(): Promise<void> {
    const pending = (await this.sandboxCall('GET', '/faults')) as ScheduledFault[];
    await this.sandboxCall('DELETE', '/faults');
    for (const f of pending.filter((p) => p.kind !== 'http500' && p.remaining !== null && p.remaining > 0)) {
      await this.sandboxCall('POST', '/faults', {
        kind: f.kind,
        count: f.remaining,
        delayMs: f.delayMs,
        text: f.text,
        ...(f.verbs ? { verbs: f.verbs } : {}),
      });
    }
    if (this.outages.size)
      await this.sandboxCall('POST', '/faults', { kind: 'http500', forMs: 3_600_000, verbs: [...this.outages] });
  }

  /** Hublify's orders holding our number, read over HTTP. */
  async held(): Promise<HeldOrder[]> {
    const { orders } = (await this.sandboxCall('GET', '/orders')) as { orders: SandboxOrder[] };
    return orders.filter((o) => o.o_orderid_external === this.order.order_number).map(heldOrder);
  }

  async createCalls(): Promise<number> {
    const r = (await this.sandboxCall('GET', `/create-calls/${encodeURIComponent(this.order.order_number)}`)) as {
      orderCreateCalls: number;
    };
    return r.orderCreateCalls;
  }

  /** The status query, asked again while a loaded worker does not answer in time; undefined when there is no workflow. */
  async status(): Promise<OrderStatus | undefined> {
    return this.queryPatiently(() => this.handle().query(statusQuery));
  }

  private async queryPatiently<T>(ask: () => Promise<T>): Promise<T | undefined> {
    const client = this.system.relay.client;
    const answer = await pollUntil(
      async () => {
        try {
          return { value: await client.withDeadline(Date.now() + 15_000, ask) };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return { value: undefined };
          throw err;
        }
      },
      { what: `a query of ${this.workflowId}`, timeoutMs: 120_000, everyMs: 500 },
    );
    return answer.value;
  }

  private async describe() {
    try {
      return await this.handle().describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Waits (bounded, on events) until nothing is in flight: the sandbox's pushes delivered, no workflow
   * task pending, every pending activity waiting for its retry rather than running, and two reads of
   * status, Hublify and store 300 ms apart the same. False when that did not happen within `timeoutMs`.
   */
  async quiesce(timeoutMs = 45_000): Promise<boolean> {
    let last = '';
    try {
      await pollUntil(
        async () => {
          await this.system.sandbox.webhooksSettled();
          const d = await this.describe();
          if (d && d.status.name === 'RUNNING') {
            if (d.raw.pendingWorkflowTask) return false;
            // state 1 = SCHEDULED: waiting for its next attempt (backoff) when attempt > 1; otherwise it runs or waits for a worker.
            if ((d.raw.pendingActivities ?? []).some((a) => Number(a.state) !== 1 || (a.attempt ?? 1) <= 1))
              return false;
          }
          const status = d ? await this.handle().query(statusQuery) : undefined;
          const store = await this.system.relay.store!.getOrder(this.workflowId);
          const key = JSON.stringify([
            d?.status.name,
            d?.runId,
            status?.stage,
            status?.lastError,
            status?.attempts,
            status?.hublify,
            status?.history.length,
            await this.held(),
            store?.stages.length,
          ]);
          if (key === last) return true;
          last = key;
          return false;
        },
        { what: 'the order to be quiet', timeoutMs, everyMs: 300 },
      );
      return true;
    } catch {
      return false;
    }
  }

  async snapshot(quiet: boolean): Promise<Snapshot> {
    const d = await this.describe();
    const status = d ? ((await this.status()) ?? null) : null;
    const request = d ? ((await this.queryPatiently(() => this.handle().query(requestQuery))) ?? null) : null;
    const store = (await this.system.relay.store!.getOrder(this.workflowId)) ?? null;
    const execution = d
      ? { status: d.status.name, firstRunId: d.raw.workflowExecutionInfo?.firstRunId ?? d.runId }
      : null;
    const createCalls = await this.createCalls();
    if (
      !this.finalSeen &&
      status &&
      execution &&
      ['SHIPPED', 'CANCELLED'].includes(status.stage) &&
      execution.status !== 'RUNNING'
    ) {
      this.finalSeen = { stage: status.stage, firstRunId: execution.firstRunId, createCalls, step: this.step };
    }
    return {
      step: this.step,
      orderNumber: this.order.order_number,
      customerNumber: this.order.supplier_customer_number,
      execution,
      status,
      request,
      store,
      held: await this.held(),
      createCalls,
      quiet,
      answers: this.answers,
      finalSeen: this.finalSeen,
      newsSince: this.newsSince,
      shown: d && execution?.status === 'RUNNING' ? await this.shown(d) : null,
    };
  }

  /** What `orders show` and `list --why` tell support of the order (src/operations, as the CLI calls them). */
  private async shown(d: WorkflowExecutionDescription): Promise<Snapshot['shown']> {
    const details = await showOrder(this.ops, this.workflowId);
    const listed = await explainOrder(this.ops, summary(this.ops, d));
    return { inject: details.attempts?.inject ?? 0, lastError: details.lastError ?? null, why: listed.why };
  }
}

function heldOrder(o: SandboxOrder): HeldOrder {
  return {
    orderid: o.orderid,
    state: o.order_state_code,
    personExternal: o.person.p_personid_external,
    fields: comparedFields(o.order),
  };
}
