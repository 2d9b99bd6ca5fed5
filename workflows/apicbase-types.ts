// Inputs, settings and results of the Apicbase pull and reconciliation workflows, and what their
// activities return. Types only (the workflow bundle and the activities share them).
import type { ListedEntry, WalkPosition } from './purchase-order-walk';

/** Configuration the workflows read through an activity, so a changed setting applies at the next run. */
export interface ApicbaseRunSettings {
  pageSize: number;
  /** How far behind the newest `ordered_on` seen the next poll starts again. */
  overlapMs: number;
  markFetched: boolean;
  reconcileLookbackMs: number;
  reconcileGraceMs: number;
}

export interface PullOrdersInput {
  /** ordered_on__gt of this poll (ISO 8601); null lists every ORDERED order. Kept in the schedule. */
  cursor: string | null;
  /** Progress carried over a continue-as-new (`walk`; `page` and `newestSeen` from runs before the oldest-first walk). */
  carried?: { walk?: WalkPosition; page?: number; newestSeen?: string | null; result: PullOrdersResult };
}

/** One list request of a walk. */
export interface PageRequest {
  orderedAfter: string | null;
  page: number;
  pageSize: number;
  /** The list's sort (`ordering`); absent: Apicbase's default, newest first. */
  ordering?: string;
  /** Orders handled already in this walk: listed again, not handled again. */
  skipIds?: string[];
}

/** What became of one order listed by Apicbase. */
export type PulledOutcome =
  | 'started' // no workflow yet: started now (source "pull")
  | 'restarted' // an earlier run failed: started again
  | 'running' // a workflow (webhook or an earlier poll) is running: nothing to do
  | 'finished' // a workflow already completed for it
  | 'closed'; // cancelled or terminated by support: left alone

export interface PulledEntry {
  id: string;
  orderNumber: string;
  orderedOn: string;
  outcome: PulledOutcome;
  /** Apicbase's flag when the list shows it. */
  fetchedBySupplier?: boolean;
}

export interface InvalidEntry {
  id: string | null;
  orderNumber: string | null;
  problems: string[];
}

export interface PulledPage {
  entries: PulledEntry[];
  invalid: InvalidEntry[];
  /** Entries with another status than ORDERED (a server ignoring the filter): skipped. */
  otherStatus: number;
  count: number | null;
  hasNext: boolean;
  /** Every entry's id and ordered_on, in list order (where the walk stands after the page). */
  positions?: ListedEntry[];
}

export interface PullOrdersResult {
  cursor: string | null;
  nextCursor: string | null;
  pages: number;
  listed: number;
  started: number;
  alreadyKnown: number;
  /** Order numbers started by this poll (the first 100). */
  startedOrders: string[];
  marked: number;
  markFailures: string[];
  /** Listed orders that cannot be read (a bad shape, or an `ordered_on` that is no ISO 8601 date-time): need a person. */
  invalid: InvalidEntry[];
  /** Oldest-first walk: every ORDERED order placed up to this instant was listed (the cursor follows it). */
  fullySeen?: string | null;
  /** False when the list kept changing under the walk: it stopped at `fullySeen`, and the next poll goes on. */
  settled?: boolean;
}

export interface ReconcilePageRequest {
  orderedAfter: string;
  /** Orders placed after this may still be on their way in: not checked. */
  placedBefore: string;
  page: number;
  pageSize: number;
  ordering?: string;
  skipIds?: string[];
}

export interface MissingOrder {
  id: string;
  orderNumber: string;
  orderedOn: string;
  customerNumber: string;
  workflowId: string;
}

export interface ReconciledPage {
  /** Entries on the page (checked or not). */
  listed: number;
  checked: number;
  missing: MissingOrder[];
  invalid: InvalidEntry[];
  hasNext: boolean;
  count?: number | null;
  positions?: ListedEntry[];
}

export interface ReconcileResult {
  orderedAfter: string;
  placedBefore: string;
  pages: number;
  checked: number;
  missing: MissingOrder[];
  invalid: InvalidEntry[];
  /** False when the list kept changing under the walk: orders after the last fully seen one were not all checked. */
  settled?: boolean;
}
