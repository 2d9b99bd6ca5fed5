// The one walk over Apicbase's purchase-order list, shared by the pull and reconciliation workflows.
//
// Page numbers alone skip orders: when an order leaves the filtered list (its status changes) or joins
// it between two page reads, every later page shifts by one. So the walk lists oldest first
// (`ordering=ordered_on,id`) and, after each page, restarts at page 1 with `ordered_on__gt` set to the
// newest `ordered_on` it has seen *completely*: the newest time on the page that is older than the
// page's last time (the last time may continue on the next page). Orders that change meanwhile then
// only move where the walk has not been yet, or re-appear where it has (listing an order twice costs
// nothing: its workflow exists).
// Only a page holding a single timestamp (more orders at one instant than a page holds) is followed by
// page number; then the list's `count` tells whether pages shifted, and the walk reads that timestamp's
// pages again from the first.
// Orders listed again are not handled again: the position carries the ids already handled at or after
// its bound (usually the previous page's last order), and the activities skip them.
// Every `ordered_on` is read with ./iso-date-time (an offset-less time is UTC); one that cannot be read
// never stops the walk: it only gives no position.
import { parseIsoDateTime } from './iso-date-time';

/** The list's sort: oldest first, ties by id (a stable order for every page read). */
export const WALK_ORDERING = 'ordered_on,id';
/** Shifted pages read again at most this often per walk; then the walk ends where it fully saw the list. */
const MAX_RESTARTS = 10;
/** A walk longer than this means the server ignores the paging: stop rather than loop forever. */
export const MAX_PAGES = 10_000;

export interface WalkPosition {
  /** ordered_on__gt of the next request (ISO 8601); null = from the first order. */
  orderedAfter: string | null;
  /** Page under `orderedAfter`: above 1 only while a page held nothing but one timestamp. */
  page: number;
  /** The list's `count` at the previous page under the same bound (a change means pages shifted). */
  count: number | null;
  /** Every listed order placed at or before this instant was on a page read (ISO 8601, UTC). */
  fullySeen: string | null;
  restarts: number;
  /** Pages read so far. */
  pages: number;
  /** Ids handled in this walk that the list under `orderedAfter` shows again (ms: their instant). */
  seen: SeenEntry[];
}

export interface SeenEntry {
  id: string;
  ms: number | null;
}

/** One entry of a page as the walk needs it (every entry, whatever its status or shape). */
export interface ListedEntry {
  id: string | null;
  orderedOn: string | null;
}

/** What the walk needs of a page: every entry's id and `ordered_on`, in list order. */
export interface WalkedPage {
  listed: ListedEntry[];
  count: number | null;
  hasNext: boolean;
}

export interface WalkEnd {
  position: WalkPosition;
  /** False when the list kept shifting: the walk stopped at `fullySeen`, and the next run goes on from there. */
  settled: boolean;
}

export function walkFrom(orderedAfter: string | null): WalkPosition {
  return { orderedAfter, page: 1, count: null, fullySeen: null, restarts: 0, pages: 0, seen: [] };
}

/** The ids a read at `at` skips (handled already in this walk). */
export function seenIds(at: WalkPosition): string[] {
  return at.seen.map((s) => s.id);
}

/** The instant of an ISO 8601 date-time (offset-less = UTC); undefined when it cannot be read. */
export function instantOf(value: string | null | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const moment = parseIsoDateTime(value);
  return moment?.kind === 'instant' ? moment.epochMs : undefined;
}

/** The later of two ISO instants (an unreadable one counts as absent). */
export function laterOf(a: string | null, b: string | null): string | null {
  const ta = instantOf(a);
  const tb = instantOf(b);
  if (tb === undefined) return ta === undefined ? null : a;
  if (ta === undefined) return b;
  return tb > ta ? b : a;
}

/** Where the walk goes after reading `page` at `at`; `next` undefined when the walk is over. */
export function stepWalk(at: WalkPosition, page: WalkedPage): { next?: WalkPosition; end?: WalkEnd } {
  const known = new Set(at.seen.map((s) => s.id));
  const added = page.listed.filter(
    (e): e is { id: string; orderedOn: string | null } => e.id !== null && !known.has(e.id),
  );
  const seen = [...at.seen, ...added.map((e) => ({ id: e.id, ms: instantOf(e.orderedOn) ?? null }))];
  const read = { ...at, pages: at.pages + 1, seen };
  // Past page 1, a changed count (or a page that vanished) means the pages under this bound shifted.
  if (at.page > 1 && (page.count !== at.count || page.listed.length === 0)) {
    if (at.restarts >= MAX_RESTARTS) return { end: { position: read, settled: false } };
    return { next: { ...read, page: 1, count: null, restarts: at.restarts + 1 } };
  }
  const times = page.listed.map((e) => instantOf(e.orderedOn)).filter((t): t is number => t !== undefined);
  const newest = times.length ? Math.max(...times) : undefined;
  if (!page.hasNext || page.listed.length === 0) {
    const fullySeen = newest === undefined ? at.fullySeen : laterOf(at.fullySeen, new Date(newest).toISOString());
    return { end: { position: { ...read, fullySeen }, settled: true } };
  }
  const older = times.filter((t) => t < newest!);
  const below = older.length ? Math.max(...older) : undefined;
  const bound = instantOf(at.orderedAfter);
  if (below !== undefined && (bound === undefined || below > bound)) {
    const orderedAfter = new Date(below).toISOString();
    // Listed again under the new bound: what was at or after it (an instant is read to the millisecond),
    // and orders whose ordered_on cannot be read (their place is unknown; reported once).
    const again = seen.filter((s) => s.ms === null || s.ms >= below);
    return {
      next: {
        ...read,
        orderedAfter,
        page: 1,
        count: null,
        fullySeen: laterOf(at.fullySeen, orderedAfter),
        seen: again,
      },
    };
  }
  // One timestamp fills the page (or none is readable): its next page, by number.
  return { next: { ...read, page: at.page + 1, count: page.count } };
}

/**
 * Walks the list from `start`: `read` fetches (and handles) one page; `between` runs before each
 * further page (e.g. to continue as new with the position it gets).
 */
export async function walkPurchaseOrders<P extends WalkedPage>(
  start: WalkPosition,
  read: (at: WalkPosition) => Promise<P>,
  between: (next: WalkPosition) => Promise<void> | void,
): Promise<WalkEnd> {
  for (let at = start; ;) {
    const step = stepWalk(at, await read(at));
    if (step.end) return step.end;
    at = step.next!;
    if (at.pages >= MAX_PAGES) return { position: at, settled: false };
    await between(at);
  }
}
