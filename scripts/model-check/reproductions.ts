// Issue 22's "Reproduced" items as fixed model-check sequences, each with the invariant it breaks on
// today's code. `npm run model-check -- --sequence '<sequence>' --ignore <every other invariant>` replays
// one; test/model-check.test.ts runs them all.
import type { InvariantName } from './invariants';

export interface Reproduction {
  /** The item under "Reproduced" in issue 22. */
  item: string;
  what: string;
  sequence: string;
  /** The invariant the sequence breaks while the item is open. */
  breaks: InvariantName;
}

export const REPRODUCTIONS: readonly Reproduction[] = [
  {
    item: '1',
    what: 'an amendment during an outage of every verb fails the run',
    sequence: 'outage-on:order_create,outage-on:order_get,outage-on:order_update,deliver~,amend-street,settle',
    breaks: 'I1',
  },
  {
    item: '2',
    what: 'our own order (created by an attempt whose reply was lost) taken for another order after an amendment of the items',
    sequence: 'lost-reply,outage-on:order_get,deliver,settle,outage-off:order_get,amend-items',
    breaks: 'I2',
  },
  {
    item: '2',
    what: '…then cancel answers "Hublify never had the order" while Hublify holds it',
    sequence: 'lost-reply,outage-on:order_get,deliver,settle,outage-off:order_get,amend-items,cancel',
    breaks: 'I4',
  },
  {
    item: '2',
    what: 'cancel while Hublify cannot be asked whether a lost-reply attempt created the order ends CANCELLED naming none, while Hublify holds it (found by random sequences, seed 7001)',
    sequence: 'lost-reply,outage-on:order_get,pull,cancel',
    breaks: 'I2',
  },
  {
    item: '2',
    what: '…and with --stop-tracking the relay stops, saying whether Hublify holds it is not known (never "never had")',
    sequence: 'lost-reply,outage-on:order_get,pull,cancel-stop',
    breaks: 'I4',
  },
  {
    item: '3a',
    what: 'an item correction while order_create is in flight: refused by order_update, hidden',
    sequence: 'slow-create,deliver~,amend-items',
    breaks: 'I3',
  },
  {
    item: '3b',
    what: 'a refused address correction (order_update after an attempt in flight created the order) does not keep the order NEEDS_ATTENTION',
    sequence: 'slow-create,refuse:order_update,deliver~,amend-street,poll',
    breaks: 'I3',
  },
  {
    item: '3',
    what: 'an item correction of an order Hublify holds: order_update refuses items, yet the order stays WAITING_FOR_SHIPMENT (found by random sequences)',
    sequence: 'pull,amend-items',
    breaks: 'I3',
  },
  {
    item: '4',
    what: 'a push lost at continue-as-new while a failing notification holds the run',
    sequence: 'notify-down,refuse:order_create,deliver,retry,poll,ship,push',
    breaks: 'I7',
  },
  {
    item: '6',
    what: 'cancel during order_create: the status history has INJECTED, the store does not',
    sequence: 'slow-create,deliver~,cancel',
    breaks: 'I8',
  },
  {
    item: '6',
    what: 'a cancel --stop-tracking racing the poll that finds the order shipped: the store records CANCELLED from a closing workflow task Temporal refused (UnhandledCommand), the run ends SHIPPED (found by random sequences, seed 8101)',
    sequence: 'deliver,ship,retry~,cancel-stop',
    breaks: 'I8',
  },
  {
    item: '8',
    what: 'during an outage orders show says attempts 0 and no last error',
    sequence: 'outage-on:order_create,deliver',
    breaks: 'I9',
  },
  {
    item: '8',
    what: 'retry during an outage answers "retry only polls Hublify now" for an order Hublify never saw',
    sequence: 'outage-on:order_create,deliver,retry',
    breaks: 'I4',
  },
  {
    item: '8',
    what: 'amend while Hublify is down answers REFUSED, yet the correction goes with the next attempt',
    sequence: 'outage-on:order_create,deliver,settle,amend-street,outage-off:order_create,retry,settle',
    breaks: 'I4',
  },
  {
    item: '8',
    what: 'cancel --stop-tracking says the relay follows Hublify, but the run has ended',
    sequence: 'deliver,cancel-stop',
    breaks: 'I4',
  },
];
