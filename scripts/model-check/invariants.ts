// The lifecycle invariants of issue 22, I1–I9: each a small pure function over one snapshot of one
// order (what the Hublify sandbox holds, the workflow's status and `request` queries, the order store's
// record, and what support was told), answering null when it holds or the violation in one line.
import type { OrderRecord } from '../../src/store/order-store';
import type { HublifyOrderCreateRequest } from '../../src/hublify/types';
import { explainStage } from '../../src/operations/order-why';
import { FINAL_STAGES, type OrderStatus } from '../../workflows/order-status';

/** One Hublify order holding our o_orderid_external, as the sandbox's /_sandbox/orders shows it. */
export interface HeldOrder {
  orderid: string;
  state: string;
  personExternal: string | null;
  /** The fields the model check corrects, as Hublify holds them now. */
  fields: ComparedFields;
}

/** What an amendment may change and Hublify must then hold: the delivery street, the comment and the items. */
export interface ComparedFields {
  deliver_street: string | null;
  o_comment: string | null;
  /** `pcode×quantity`, in order. */
  items: string[];
}

/** What support was told, with what Hublify held right after the answer. */
export type SupportAnswer =
  | {
      step: number;
      kind: 'cancel';
      outcome: string;
      closed: boolean;
      heldAfter: boolean;
      /** What support read: the answer's message and advice. */
      text: string;
    }
  | {
      step: number;
      kind: 'amend';
      outcome: string;
      sent: Partial<ComparedFields>;
      updated: string[];
      refused: string[];
      heldAfter: HeldOrder | null;
    }
  | { step: number; kind: 'retry'; note: string | null; heldAfter: boolean }
  | { step: number; kind: 'error'; command: string; text: string };

export interface Snapshot {
  step: number;
  orderNumber: string;
  /** Our customer number: the person Hublify must hold our order under. */
  customerNumber: string;
  /** The latest run of the order's workflow id (null: never started). */
  execution: { status: string; firstRunId: string } | null;
  status: OrderStatus | null;
  /** The `request` query: what the relay says Hublify holds. */
  request: HublifyOrderCreateRequest | null;
  store: OrderRecord | null;
  /** Every Hublify order holding our o_orderid_external. */
  held: HeldOrder[];
  /** order_create calls the sandbox received for our number (failed ones included). */
  createCalls: number;
  /** True when nothing was in flight (no workflow task, no activity running) and two reads agreed. */
  quiet: boolean;
  /** Everything support was told in this sequence so far. */
  answers: SupportAnswer[];
  /** The first final stage the relay showed, with the chain and order_create count of that moment. */
  finalSeen: { stage: string; firstRunId: string; createCalls: number; step: number } | null;
  /** A push, poll or retry reached the relay after Hublify's last change while order_get answered (step), else null. */
  newsSince: number | null;
  /** What support reads of a running order: `orders show`'s attempts and last error, `list --why`'s why. */
  shown: { inject: number; lastError: string | null; why: string | null } | null;
}

export type Invariant = (s: Snapshot) => string | null;

const norm = (v: unknown): string | null =>
  v === undefined || v === null || v === '' ? null : typeof v === 'string' ? v : JSON.stringify(v);

/** The compared fields of an order_create request (the relay's word). */
export function requestFields(request: HublifyOrderCreateRequest): ComparedFields {
  return comparedFields(request.fields.order);
}

/** The compared fields of an order's fields (a request's, or what Hublify holds). */
export function comparedFields(order: Record<string, unknown>): ComparedFields {
  const items = Array.isArray(order.orderitems) ? (order.orderitems as Array<Record<string, unknown>>) : [];
  return {
    deliver_street: norm(order.deliver_street),
    o_comment: norm(order.o_comment),
    items: items.map((i) => `${String(i.oi_pcode ?? i.pcode_external)}×${Number(i.oi_quantity ?? 1)}`),
  };
}

export function differingFields(a: ComparedFields, b: ComparedFields): string[] {
  const out: string[] = [];
  if (a.deliver_street !== b.deliver_street) out.push('deliver_street');
  if (a.o_comment !== b.o_comment) out.push('o_comment');
  if (a.items.join(',') !== b.items.join(',')) out.push('orderitems');
  return out;
}

const running = (s: Snapshot) => s.execution?.status === 'RUNNING';
const isFinal = (stage: string | undefined) =>
  stage !== undefined && (FINAL_STAGES as readonly string[]).includes(stage);

/** I1 — never FAILED by the world: a run ends FAILED only as a REJECTED order shown to the customer. */
export const I1: Invariant = (s) => {
  const ended = s.execution?.status;
  if (ended !== 'FAILED' && ended !== 'TIMED_OUT') return null;
  if (s.status?.stage === 'REJECTED') return null;
  return `the run ended ${ended} at stage ${s.status?.stage ?? '?'} (last error: ${s.status?.lastError ?? 'none'}), not as a shown rejection`;
};

/** I2 — one identity: the relay names exactly the Hublify order holding our number, never another, and never calls ours another's. */
export const I2: Invariant = (s) => {
  if (!s.status) return null;
  const named = s.status.hublify?.orderId ?? null;
  const ours = s.held.find((h) => h.personExternal === s.customerNumber) ?? s.held[0];
  if (named && !s.held.some((h) => h.orderid === named))
    return `the relay names Hublify order ${named}, which does not hold our number ${s.orderNumber}`;
  if (!ours) return null;
  if (named && named !== ours.orderid) return `Hublify holds our order as ${ours.orderid}, the relay names ${named}`;
  if (/another order holds this number/.test(s.status.lastError ?? '') && ours.personExternal === s.customerNumber)
    return `the relay says "another order holds this number", but ${ours.orderid} is ours (our number, our person ${s.customerNumber})`;
  // While it still tries to reach Hublify, the relay may not know yet; once it tracks or has ended, it must,
  // unless support stopped it (--stop-tracking) while Hublify could not be asked, and was told so.
  if (
    !named &&
    !stoppedUnasked(s) &&
    (['INJECTED', 'WAITING_FOR_SHIPMENT', 'OVERDUE', 'SHIPPED'].includes(s.status.stage) ||
      s.status.stage === 'CANCELLED')
  )
    return `Hublify holds our order ${ours.orderid} (${ours.state}), the relay names none at stage ${s.status.stage}`;
  return null;
};

/** The run ended by `cancel --stop-tracking` while Hublify could not be asked: the relay cannot name what it could not see. */
const stoppedUnasked = (s: Snapshot) =>
  s.status?.stage === 'CANCELLED' &&
  s.answers.some((a) => a.kind === 'cancel' && a.outcome === 'stopped-unasked' && a.closed);

/**
 * Support's corrections, the latest per field, whatever the answer said (updated, reinjected, pending
 * or refused): what Hublify must end up holding, or the order must keep saying it does not.
 */
export function corrections(answers: readonly SupportAnswer[]): Partial<ComparedFields> {
  const latest: Partial<ComparedFields> = {};
  for (const a of answers) if (a.kind === 'amend') Object.assign(latest, a.sent);
  return latest;
}

const fieldName = (key: keyof ComparedFields) => (key === 'items' ? 'orderitems' : key);

/**
 * I3 — one content: what the relay says Hublify holds (the `request` query) is what it holds, and so is
 * every correction support made; while one is not in Hublify (pending or refused), the running order is
 * NEEDS_ATTENTION and its last error names the field, until it reaches a final stage.
 */
export const I3: Invariant = (s) => {
  const ours = s.held[0];
  if (!s.quiet || !ours || !s.status) return null;
  const problems: string[] = [];
  const named = (field: string) => s.status!.stage === 'NEEDS_ATTENTION' && (s.status!.lastError ?? '').includes(field);
  if (s.request) {
    const differ = differingFields(requestFields(s.request), ours.fields).filter((f) => !named(f));
    if (differ.length)
      problems.push(
        `the relay says Hublify holds other ${differ.join(', ')} (relay ${JSON.stringify(pick(requestFields(s.request), differ))}, Hublify ${JSON.stringify(pick(ours.fields, differ))})`,
      );
  }
  // A final stage ends the claim (support stopped the relay, or the order shipped or was cancelled in
  // Hublify), even while the run still drains its side steps.
  if (running(s) && !isFinal(s.status.stage)) {
    const expected = corrections(s.answers);
    const missing = (Object.keys(expected) as Array<keyof ComparedFields>).filter(
      (k) => JSON.stringify(expected[k]) !== JSON.stringify(ours.fields[k]) && !named(fieldName(k)),
    );
    if (missing.length)
      problems.push(
        `support's corrections are not in Hublify: ${missing.map((k) => `${fieldName(k)} ${JSON.stringify(expected[k])} (Hublify ${JSON.stringify(ours.fields[k])})`).join(', ')}`,
      );
  }
  if (problems.length === 0) return null;
  return `${problems.join('; ')}, yet the order is ${s.status.stage} with last error ${s.status.lastError ?? 'none'}`;
};

function pick(fields: ComparedFields, names: string[]): Partial<ComparedFields> {
  const entries: Array<[string, unknown]> = names.map((n) =>
    n === 'orderitems' ? ['items', fields.items] : [n, fields[n as 'deliver_street' | 'o_comment']],
  );
  return Object.fromEntries(entries);
}

/** I4 — true answers: REFUSED only when refused, "never had" only when Hublify holds none, "the relay follows" only when it does. */
export const I4: Invariant = (s) => {
  for (const a of s.answers) {
    if (a.kind === 'cancel' && a.outcome === 'cancelled' && a.heldAfter)
      return `step ${a.step}: cancel answered "Hublify never had the order" while Hublify held it`;
    if (a.kind === 'cancel' && a.closed && /relay follows/.test(a.text))
      return `step ${a.step}: cancel (${a.outcome}) said "${a.text}", but the run has ended`;
    if (a.kind === 'retry' && a.note && /retry only polls Hublify/.test(a.note) && !a.heldAfter)
      return `step ${a.step}: retry answered "${a.note}" for an order Hublify does not hold`;
    if (a.kind === 'amend' && a.outcome === 'updated' && a.heldAfter) {
      const wrong = a.updated
        .filter((f) => f !== 'orderitems' || a.sent.items)
        .filter((f) => !holds(a.heldAfter!, a.sent, f));
      if (wrong.length)
        return `step ${a.step}: amend answered "updated ${wrong.join(', ')}", but Hublify holds other values`;
    }
    if (a.kind === 'amend' && (a.outcome === 'refused' || a.refused.length)) {
      const ours = s.held[0];
      const applied = ours
        ? sentFields(a.sent).filter((f) => (a.outcome === 'refused' || a.refused.includes(f)) && holds(ours, a.sent, f))
        : [];
      if (applied.length)
        return `step ${a.step}: amend answered REFUSED for ${applied.join(', ')} ("Hublify keeps its old values"), but Hublify now holds the corrected values`;
    }
  }
  return null;
};

const sentFields = (sent: Partial<ComparedFields>) =>
  (Object.keys(sent) as Array<keyof ComparedFields>).map((k) => (k === 'items' ? 'orderitems' : k));
function holds(order: HeldOrder, sent: Partial<ComparedFields>, field: string): boolean {
  if (field === 'orderitems') return sent.items !== undefined && order.fields.items.join(',') === sent.items.join(',');
  const key = field as 'deliver_street' | 'o_comment';
  return key in sent && order.fields[key] === norm(sent[key]);
}

/** I5 — exactly one Hublify order per Apicbase order. */
export const I5: Invariant = (s) =>
  s.held.length > 1
    ? `Hublify holds ${s.held.length} orders under ${s.orderNumber}: ${s.held.map((h) => h.orderid).join(', ')}`
    : null;

/** I6 — final is final: after CANCELLED or SHIPPED no new run and no order_create. */
export const I6: Invariant = (s) => {
  const f = s.finalSeen;
  if (!f || f.stage === 'TIMED_OUT') return null;
  if (s.execution && s.execution.firstRunId !== f.firstRunId)
    return `the order ran again (a new run ${s.execution.status}) after it was ${f.stage} at step ${f.step}`;
  if (s.createCalls > f.createCalls)
    return `order_create was called again after the order was ${f.stage} at step ${f.step}`;
  return null;
};

/** I7 — nothing lost: a push, poll or retry after Hublify's change is seen once the relay is quiet. */
export const I7: Invariant = (s) => {
  const ours = s.held[0];
  if (!s.quiet || s.newsSince === null || !ours || !s.status || !running(s)) return null;
  // A final stage ends tracking (support stopped it, or the order shipped or was cancelled), even while
  // the run still drains its side steps; waiting for support, the relay says why it does not follow.
  if (
    s.status.stage === 'NEEDS_ATTENTION' ||
    isFinal(s.status.stage) ||
    !s.status.hublify ||
    s.status.hublify.orderId !== ours.orderid
  )
    return null;
  if (s.status.hublify.state === ours.state) return null;
  return `Hublify says ${ours.state}; told at step ${s.newsSince} (push or poll), the relay still says ${s.status.hublify.state} at stage ${s.status.stage} (${s.status.attempts.polls} polls)`;
};

const collapse = (stages: string[]) => stages.filter((st, i) => st !== stages[i - 1]);

/**
 * I8 — one record: the store and the status agree on the stages and their order. The store's first row
 * is written with the verdict, so the status's opening RECEIVED is not looked for there.
 */
export const I8: Invariant = (s) => {
  if (!s.quiet || !s.status) return null;
  const fromStatus = collapse(s.status.history.map((h) => h.stage)).filter((st, i) => !(i === 0 && st === 'RECEIVED'));
  const fromStore = collapse((s.store?.stages ?? []).map((h) => h.stage));
  if (fromStatus.join(' ') === fromStore.join(' ') && (s.store?.stage ?? null) === s.status.stage) return null;
  return `status stages ${fromStatus.join('→')} (now ${s.status.stage}), store stages ${fromStore.join('→') || 'none'} (now ${s.store?.stage ?? 'no row'})`;
};

/** I9 — trouble is visible: once an order_create failed, `orders show` and `list --why` (as support reads them) give the last error and the attempts. */
export const I9: Invariant = (s) => {
  if (!s.quiet || !s.status || !running(s) || s.held.length > 0 || s.createCalls === 0 || isFinal(s.status.stage))
    return null;
  const shown = s.shown ?? { ...s.status, inject: s.status.attempts.inject, why: explainStage(s.status).why };
  if (shown.lastError && shown.inject >= 1 && shown.why) return null;
  return `${s.createCalls} order_create calls failed, yet orders show says ${s.status.stage} · attempts inject ${shown.inject}, last error ${shown.lastError ?? 'none'}; list --why ${shown.why ?? '-'}`;
};

export const INVARIANTS = { I1, I2, I3, I4, I5, I6, I7, I8, I9 } as const;
export type InvariantName = keyof typeof INVARIANTS;
export const INVARIANT_NAMES = Object.keys(INVARIANTS) as InvariantName[];

/** Every invariant not ignored that the snapshot breaks, by name. */
export function violations(
  s: Snapshot,
  ignore: ReadonlySet<string> = new Set(),
): Array<{ invariant: InvariantName; message: string }> {
  const out: Array<{ invariant: InvariantName; message: string }> = [];
  for (const name of INVARIANT_NAMES) {
    if (ignore.has(name)) continue;
    const message = INVARIANTS[name](s);
    if (message) out.push({ invariant: name, message });
  }
  return out;
}

/** One line of what a snapshot holds, for a verbose run. */
export function describeSnapshot(s: Snapshot): string {
  const st = s.status;
  const relay = st
    ? `${s.execution?.status ?? '-'} ${st.stage} hublify=${st.hublify ? `${st.hublify.orderId}/${st.hublify.state}` : '-'} inject=${st.attempts.inject} polls=${st.attempts.polls} lastError=${st.lastError ?? '-'}`
    : 'no workflow';
  const hublify = s.held.map((h) => `${h.orderid}/${h.state} ${JSON.stringify(h.fields)}`).join('; ') || 'none';
  const last = s.answers.at(-1);
  return `${s.quiet ? '' : '(not quiet) '}relay ${relay} | Hublify ${hublify} | creates ${s.createCalls} | store ${s.store?.stage ?? '-'}${last && last.step === s.step ? ` | answer ${JSON.stringify(last)}` : ''}`;
}
