// Input and result of the Hublify sweep (workflows/hublify-sweep-workflow.ts, activities/hublify-sweep.ts).
// Types only: the workflow bundle, the activity, the schedule and the CLI share them.

/** The sweep schedule's action argument: the durable cursor, and what the last successful sweep did. */
export interface HublifySweepInput {
  /** The Hublify channel swept (HUBLIFY_CHANNEL); one schedule per channel. */
  channel: string;
  /** Every state change in Hublify up to this instant has been seen (ISO 8601); the next sweep lists from it less the overlap. */
  cursor: string;
  /** The last successful sweep (`order-relay sweep status`); absent before the first. */
  last?: HublifySweepResult;
}

export interface HublifySweepResult {
  /** When the list was asked: the next cursor. */
  at: string;
  /** The window's start: the cursor less HUBLIFY_SWEEP_OVERLAP. */
  from: string;
  /** The `order_state_transtime` search sent, e.g. "> -3minutes". */
  search: string;
  /** order_getList calls this sweep made (1, or 1 + one per state after a capped answer). */
  listCalls: number;
  /** Orders Hublify listed. */
  listed: number;
  /** Of those, orders in a state that ends tracking (TRACK_FINAL_STATES, TRACK_CANCELLED_STATES): the ones told. */
  ending: number;
  /** Running order workflows told (statusChanged signal). */
  signalled: number;
  /** Ending orders no running order workflow tracks (not the relay's, or finished already): counted and ignored. */
  ignored: number;
  /** Listed orders that more than one running workflow claims: none is told (as for a push). */
  ambiguous: number;
  /** The list was capped (HUBLIFY_LIST_LIMIT rows, or a total above its rows), so it was asked again per state. */
  narrowedTo?: string[];
}
