// The order_create request as support corrects it, and what Hublify holds: the versions sent, synced and
// failed. Pure state, no SDK import: unit-tested with node:test alone (test/order-amendments.test.ts).
import type { HublifyOrderCreateRequest } from '../../src/hublify/types';
import { fieldValues, withAmendment } from '../order-request';
import type { AmendRequest, AmendResult } from '../order-status';

/** What an amendment's answer says of the last sync with Hublify. */
export type SyncOutcome = Pick<AmendResult, 'outcome' | 'updated' | 'refused' | 'messages'>;

/** Corrections made while the order was on its way in, to be sent by order_update. */
export interface Corrections {
  version: number;
  fields: string[];
  update: AmendRequest;
}

export class Amendments {
  /** What will be sent to Hublify (amendments included); undefined until the order is mapped. */
  request: HublifyOrderCreateRequest | undefined;
  /** What Hublify holds once it has the order. */
  held: HublifyOrderCreateRequest | undefined;
  /** Every request an injection attempt sent (to recognise the order as ours in Hublify). */
  readonly sentVersions: HublifyOrderCreateRequest[] = [];
  private requestVersion = 0;
  private syncedVersion = 0;
  private failedVersion = 0;
  private lastSync: SyncOutcome | undefined;
  private readonly beforeInjection = new Set<string>();

  constructor(carried?: HublifyOrderCreateRequest) {
    this.request = carried;
    this.held = carried;
  }

  /** The `request` query's answer: what Hublify holds, else what will be sent. */
  shown(): HublifyOrderCreateRequest | null {
    return this.held ?? this.request ?? null;
  }

  /** What the next run carries on continue-as-new. */
  carried(): HublifyOrderCreateRequest {
    return this.held ?? this.request!;
  }

  /** The version the next injection attempt sends. */
  get version(): number {
    return this.requestVersion;
  }

  mapped(request: HublifyOrderCreateRequest): void {
    this.request = request;
  }

  /** A correction while Hublify does not have the order: it goes with the next attempt. Returns its version. */
  amendBeforeInjection(req: AmendRequest, fields: string[]): number {
    this.request = withAmendment(this.request!, req);
    fields.forEach((field) => this.beforeInjection.add(field));
    return ++this.requestVersion;
  }

  /** The fields corrected while Hublify did not have the order, not sent to it yet (the next attempt sends them). */
  pendingFields(): string[] {
    return [...this.beforeInjection];
  }

  /** True once the version reached Hublify, or the attempt that carried it failed. */
  settled(version: number): boolean {
    return this.syncedVersion >= version || this.failedVersion >= version;
  }

  /** How the version's sync ended, when it reached Hublify. */
  syncOf(version: number): SyncOutcome | undefined {
    return this.syncedVersion >= version ? this.lastSync : undefined;
  }

  /** order_update answered: Hublify holds the fields it accepted. */
  updated(req: AmendRequest, accepted: readonly string[]): void {
    this.held = withAmendment(this.held ?? this.request!, req, accepted);
    this.request = this.held;
  }

  /** An attempt sent this request (it may have reached Hublify). */
  sent(request: HublifyOrderCreateRequest): void {
    this.sentVersions.push(request);
  }

  /** The attempt that sent `version` failed. */
  failed(version: number): void {
    this.failedVersion = version;
  }

  /**
   * Hublify has the order. `created` names the request that created it, when known, and whether it
   * carried every amendment (then they are synced, as `reinjected`, announcing `message`).
   */
  adopted(created: { from: HublifyOrderCreateRequest; current: boolean } | undefined, message: string): void {
    this.held = created?.from ?? this.sentVersions[0] ?? this.request;
    if (created?.current) {
      this.lastSync = { outcome: 'reinjected', updated: [...this.beforeInjection], refused: [], messages: [message] };
      this.syncedVersion = this.requestVersion;
      this.beforeInjection.clear();
    }
  }

  /** The corrections Hublify did not get with order_create, taken (cleared); undefined when none. */
  takeCorrections(): Corrections | undefined {
    if (this.beforeInjection.size === 0) return undefined;
    const version = this.requestVersion;
    const fields = [...this.beforeInjection];
    this.beforeInjection.clear();
    const request = this.request!;
    const update: AmendRequest = {
      order: fieldValues(
        request,
        fields.filter((f) => f !== 'orderitems'),
      ) as Record<string, string | null>,
      ...(fields.includes('orderitems') ? { orderitems: request.fields.order.orderitems } : {}),
    };
    return { version, fields, update };
  }

  /** How sending the corrections went (before anything it leads to is recorded). */
  noteSync(sync: SyncOutcome): void {
    this.lastSync = sync;
  }

  /** The corrections of `version` are settled: the amendments waiting for them may answer. */
  correctionsSettled(version: number): void {
    this.syncedVersion = version;
  }
}
