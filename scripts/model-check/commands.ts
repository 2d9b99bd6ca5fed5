// The model check's commands: what customers, support, Hublify and operations do to one order, each a
// fast-check AsyncCommand with a one-word token (`deliver`, `outage-on:order_get`, …; a trailing `~`
// means the next command follows at once, while this one's work is still in flight). After each
// command not hurried, the world is left to quiesce and the invariants are checked.
import * as fc from 'fast-check';
import { startOrder } from '../../src/orders/start-order';
import { HUBLIFY_WEBHOOK_PATH } from '../../src/ingress/hublify-webhook';
import { OperationError } from '../../src/operations/errors';
import { amendOrder, cancelOrder, pollOrder, replayOrder, retryOrder } from '../../src/operations/order-actions';
import { starterFrom } from '../../src/operations/context';
import { pollUntil } from '../../src/poll-until';
import { TEST_HUBLIFY_PUSH_TOKEN } from '../../test/helpers/system';
import { deliverOrder } from '../../test/helpers/webhook';
import type { AmendRequest } from '../../workflows/order-status';
import {
  describeSnapshot,
  violations,
  type ComparedFields,
  type InvariantName,
  type SupportAnswer,
} from './invariants';
import { IN_FLIGHT_DELAY_MS, LOST_REPLY_DELAY_MS, type World } from './world';

/** What the commands' preconditions look at: updated from the real system after every command. */
export interface Model {
  started: boolean;
  outages: Set<string>;
  /** Hublify's state of our order, or null while it holds none. */
  hublifyState: string | null;
  notifyDown: boolean;
}

export const initialModel = (): Model => ({
  started: false,
  outages: new Set(),
  hublifyState: null,
  notifyDown: false,
});

/** How the run goes: which invariants are ignored, and what it counts. */
export interface RunContext {
  ignore: ReadonlySet<string>;
  /** Violations of ignored invariants, by invariant (each counted once per sequence). */
  ignored: Map<InvariantName, Set<string>>;
  sequenceId: string;
  commands: number;
  checks: number;
  /** Steps after which the order did not become quiet in time (only I1, I4, I5, I6 were checked). */
  unquiet: number;
  log: (line: string) => void;
  /** Log what each step left behind. */
  verbose?: boolean;
}

/** A broken invariant: the run fails with it, and fast-check shrinks the sequence. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  constructor(
    readonly invariant: InvariantName,
    readonly detail: string,
    readonly step: number,
  ) {
    super(`${invariant} broken after step ${step}: ${detail}`);
  }
}

export const VERBS = ['order_create', 'order_get', 'order_update'] as const;

type Act = (world: World, model: Model) => Promise<void>;

interface Spec {
  /** Whether the command makes sense now. */
  check: (m: Model) => boolean;
  act: Act;
}

const errorAnswer = (world: World, command: string, err: unknown): SupportAnswer => ({
  step: world.step,
  kind: 'error',
  command,
  text: err instanceof Error ? err.message : String(err),
});

/** Runs a support action; an OperationError (a refusal, a conflict) is an answer, anything else a harness failure. */
async function support(world: World, command: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof OperationError)) throw err;
    world.answers.push(errorAnswer(world, command, err));
  }
}

const someNews = (world: World) => {
  if (!world.outages.has('order_get')) world.newsSince ??= world.step;
};

function amend(kind: 'street' | 'items' | 'comment'): Act {
  return async (world) => {
    const n = world.step;
    let request: AmendRequest;
    let sent: Partial<ComparedFields>;
    if (kind === 'street') {
      request = { order: { deliver_street: `Modellweg ${n}` } };
      sent = { deliver_street: `Modellweg ${n}` };
    } else if (kind === 'comment') {
      request = { order: { o_comment: `model check ${n}` } };
      sent = { o_comment: `model check ${n}` };
    } else {
      const items = [
        { oi_pcode: 'EK00001', oi_quantity: n + 3 },
        { oi_pcode: 'PC0001', oi_quantity: 10 },
      ];
      request = { orderitems: items };
      sent = { items: items.map((i) => `${i.oi_pcode}×${i.oi_quantity}`) };
    }
    await support(world, `amend-${kind}`, async () => {
      const r = await amendOrder(world.ops, world.workflowId, request, 120_000);
      world.answers.push({
        step: world.step,
        kind: 'amend',
        outcome: r.outcome,
        sent,
        updated: r.updated,
        refused: r.refused,
        heldAfter: (await world.held())[0] ?? null,
      });
    });
  };
}

function cancel(stopTracking: boolean): Act {
  return (world) =>
    support(world, stopTracking ? 'cancel-stop' : 'cancel', async () => {
      const r = await cancelOrder(world.ops, world.workflowId, 'model check', { stopTracking, waitMs: 30_000 });
      world.answers.push({
        step: world.step,
        kind: 'cancel',
        outcome: r.outcome,
        closed: r.closed,
        heldAfter: (await world.held()).length > 0,
        text: [r.message, r.advice].filter(Boolean).join(': '),
      });
    });
}

const live = (m: Model) => m.hublifyState !== null && !['shipped', 'cancelled'].includes(m.hublifyState);

const SPECS: Record<string, Spec> = {
  deliver: {
    check: () => true,
    act: async (world) => {
      const r = await deliverOrder(world.system.baseUrl, world.order);
      if (r.status >= 300)
        world.answers.push({
          step: world.step,
          kind: 'error',
          command: 'deliver',
          text: `${r.status} ${JSON.stringify(r.body)}`,
        });
    },
  },
  pull: {
    check: () => true,
    act: async (world) => {
      await startOrder(starterFrom(world.ops), world.order, 'pull');
    },
  },
  replay: {
    check: () => true,
    act: (world) =>
      support(world, 'replay', async () => {
        await replayOrder(world.ops, world.order);
      }),
  },
  'amend-street': { check: (m) => m.started, act: amend('street') },
  'amend-items': { check: (m) => m.started, act: amend('items') },
  'amend-comment': { check: (m) => m.started, act: amend('comment') },
  cancel: { check: (m) => m.started, act: cancel(false) },
  'cancel-stop': { check: (m) => m.started, act: cancel(true) },
  retry: {
    check: (m) => m.started,
    act: (world) =>
      support(world, 'retry', async () => {
        const r = await retryOrder(world.ops, world.workflowId);
        world.answers.push({
          step: world.step,
          kind: 'retry',
          note: r.note ?? null,
          heldAfter: (await world.held()).length > 0,
        });
        someNews(world);
      }),
  },
  poll: {
    check: (m) => m.started,
    act: (world) =>
      support(world, 'poll', async () => {
        await pollOrder(world.ops, world.workflowId);
        someNews(world);
      }),
  },
  push: {
    check: (m) => m.started && m.hublifyState !== null,
    act: async (world) => {
      const held = (await world.held())[0];
      if (!held) return;
      const res = await fetch(`${world.system.baseUrl}${HUBLIFY_WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hublify-webhook-token': TEST_HUBLIFY_PUSH_TOKEN },
        body: JSON.stringify({
          data: { orderid: held.orderid, o_orderid_external: world.order.order_number, order_state_code: held.state },
        }),
      });
      await res.text();
      if (res.status === 202) someNews(world);
    },
  },
  'lost-reply': {
    check: () => true,
    act: async (world) => {
      await world.sandboxCall('POST', '/faults', {
        kind: 'slow',
        delayMs: LOST_REPLY_DELAY_MS,
        count: 1,
        verbs: ['order_create'],
      });
    },
  },
  'slow-create': {
    check: () => true,
    act: async (world) => {
      await world.sandboxCall('POST', '/faults', {
        kind: 'slow',
        delayMs: IN_FLIGHT_DELAY_MS,
        count: 1,
        verbs: ['order_create'],
      });
    },
  },
  ship: { check: live, act: hublifyChange((w) => w.sandboxCall('POST', `/orders/${w.order.order_number}/ship`, {})) },
  'ship-partial': {
    check: live,
    act: hublifyChange((w) => w.sandboxCall('POST', `/orders/${w.order.order_number}/ship`, { partial: true })),
  },
  'cancel-hublify': {
    check: live,
    act: hublifyChange((w) => w.sandboxCall('POST', `/orders/${w.order.order_number}/state`, { state: 'cancelled' })),
  },
  'restart-worker': {
    check: (m) => m.started,
    act: async (world) => {
      await world.system.restartRelay();
    },
  },
  'notify-down': {
    check: (m) => !m.notifyDown,
    act: (world, model) => {
      world.sink.status = 500;
      model.notifyDown = true;
      return Promise.resolve();
    },
  },
  'notify-up': {
    check: (m) => m.notifyDown,
    act: (world, model) => {
      world.sink.status = 200;
      model.notifyDown = false;
      return Promise.resolve();
    },
  },
  settle: {
    check: (m) => m.started,
    act: async (world) => {
      // Time passes until the injection has finished trying (it reached Hublify, or gave up for support).
      const done = [
        'NEEDS_ATTENTION',
        'WAITING_FOR_SHIPMENT',
        'OVERDUE',
        'SHIPPED',
        'CANCELLED',
        'REJECTED',
        'TIMED_OUT',
      ];
      await pollUntil(
        async () =>
          done.includes((await world.status())?.stage ?? 'none') ||
          (await world.handle().describe()).status.name !== 'RUNNING',
        {
          what: 'the injection to finish trying',
          timeoutMs: 120_000,
          everyMs: 250,
        },
      ).catch(() => undefined);
    },
  },
};

function hublifyChange(change: (world: World) => Promise<unknown>): Act {
  return async (world) => {
    await change(world);
    world.newsSince = null; // Hublify changed: the relay has news to hear once more
  };
}

for (const verb of VERBS) {
  SPECS[`outage-on:${verb}`] = {
    check: (m) => !m.outages.has(verb),
    act: async (world, model) => {
      world.outages.add(verb);
      model.outages.add(verb);
      await world.setOutages();
    },
  };
  SPECS[`outage-off:${verb}`] = {
    check: (m) => m.outages.has(verb),
    act: async (world, model) => {
      world.outages.delete(verb);
      model.outages.delete(verb);
      await world.setOutages();
    },
  };
}
for (const verb of ['order_create', 'order_update']) {
  SPECS[`refuse:${verb}`] = {
    check: () => true,
    act: async (world) => {
      await world.sandboxCall('POST', '/faults', {
        kind: 'refuse',
        count: 1,
        verbs: [verb],
        text: 'Die Bestellung kann nicht verarbeitet werden.',
      });
    },
  };
}

export const COMMAND_NAMES = Object.keys(SPECS);

/** One command of a sequence: its name, and whether the next command follows at once. */
export class Step implements fc.AsyncCommand<Model, World> {
  constructor(
    readonly name: string,
    readonly hurry: boolean,
    private readonly ctx: RunContext,
  ) {
    if (!SPECS[name]) throw new Error(`unknown command ${JSON.stringify(name)} (known: ${COMMAND_NAMES.join(', ')})`);
  }

  check(model: Readonly<Model>): boolean {
    return SPECS[this.name]!.check(model);
  }

  /** True once this step ran (a replayed sequence prints the steps up to its failure). */
  ran = false;

  async run(model: Model, world: World): Promise<void> {
    this.ran = true;
    world.step += 1;
    this.ctx.commands += 1;
    if (['deliver', 'pull', 'replay'].includes(this.name)) model.started = true;
    await SPECS[this.name]!.act(world, model);
    const held = await world.held();
    model.hublifyState = held[0]?.state ?? null;
    if (this.hurry) return;
    const quiet = await world.quiesce();
    if (!quiet) this.ctx.unquiet += 1;
    const snapshot = await world.snapshot(quiet);
    model.hublifyState = snapshot.held[0]?.state ?? null;
    this.ctx.checks += 1;
    if (this.ctx.verbose) this.ctx.log(`  ${world.step} ${this.toString()}: ${describeSnapshot(snapshot)}`);
    for (const v of violations(snapshot)) {
      if (this.ctx.ignore.has(v.invariant)) {
        const seen = this.ctx.ignored.get(v.invariant) ?? new Set<string>();
        seen.add(this.ctx.sequenceId);
        this.ctx.ignored.set(v.invariant, seen);
        continue;
      }
      throw new InvariantViolation(v.invariant, v.message, world.step);
    }
  }

  toString(): string {
    return `${this.name}${this.hurry ? '~' : ''}`;
  }
}

/** Commands drawn more often than the rest: an order must exist first, and Hublify's side must move. */
const WEIGHT: Record<string, number> = { deliver: 3, settle: 2, ship: 2, push: 2, poll: 2 };

/** Every command (some weighted); those that start work may be hurried (`~`). */
export function commandArbitraries(run: RunContext): Array<fc.Arbitrary<Step>> {
  const startsWork = new Set([
    'deliver',
    'pull',
    'replay',
    'retry',
    'outage-off:order_create',
    'outage-off:order_get',
    'restart-worker',
  ]);
  return COMMAND_NAMES.flatMap((name) => {
    const arb = startsWork.has(name)
      ? fc.boolean().map((hurry) => new Step(name, hurry, run))
      : fc.constant(new Step(name, false, run));
    return Array.from({ length: WEIGHT[name] ?? 1 }, () => arb);
  });
}

/** Parses a printed sequence (`deliver~,amend-items,cancel`) into its steps. */
export function parseSequence(text: string, run: RunContext): Step[] {
  return text
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((token) => new Step(token.replace(/~$/, ''), token.endsWith('~'), run));
}
