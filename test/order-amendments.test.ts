// The order workflow's state objects without Temporal: Amendments (request versions, what Hublify holds)
// and StageBook's pure parts (the status, the stage record, the Web UI's details). node:test alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { HublifyOrderCreateRequest } from '../src/hublify/types';
import { Amendments } from '../workflows/order/amendments';
import { currentDetails, newStatus, stageRecord } from '../workflows/order/stage-book';
import { injectFailureTitle } from '../workflows/order/texts';
import { sampleOrder } from './helpers/sample-order';

const mapped = (): HublifyOrderCreateRequest => ({
  fields: {
    order: {
      o_orderid_external: 'PO-1',
      deliver_street: 'Alte Straße',
      deliver_town: 'Hamburg',
      orderitems: [{ oi_pcode: 'EK00001', oi_quantity: 1 }],
    },
  },
});

const street = (r: HublifyOrderCreateRequest | null | undefined) => r?.fields.order.deliver_street;

void describe('Amendments', () => {
  void it('shows nothing before the order is mapped, then the request, then what Hublify holds', () => {
    const a = new Amendments();
    assert.equal(a.shown(), null);
    a.mapped(mapped());
    assert.equal(street(a.shown()), 'Alte Straße');
    const sent = a.request!;
    a.sent(sent);
    a.adopted({ from: sent, current: true }, 'injected as 7');
    a.updated({ order: { deliver_street: 'Neue Straße' } }, ['deliver_street']);
    assert.equal(street(a.shown()), 'Neue Straße');
    assert.equal(street(a.carried()), 'Neue Straße');
  });

  void it('a run carried over continue-as-new starts from the carried request, as held', () => {
    const a = new Amendments(mapped());
    assert.equal(street(a.held), 'Alte Straße');
    assert.equal(street(a.carried()), 'Alte Straße');
  });

  void it('an amendment before injection goes with the next attempt; an attempt that carried it answers `reinjected` with its fields', () => {
    const a = new Amendments();
    a.mapped(mapped());
    const version = a.amendBeforeInjection({ order: { deliver_street: 'Neue Straße' } }, ['deliver_street']);
    assert.equal(version, 1);
    assert.equal(a.version, 1);
    assert.equal(a.settled(version), false);
    assert.equal(street(a.request), 'Neue Straße');
    const sent = a.request!;
    a.sent(sent);
    a.adopted({ from: sent, current: version === a.version }, 'injected as 7');
    assert.equal(a.settled(version), true);
    assert.deepEqual(a.syncOf(version), {
      outcome: 'reinjected',
      updated: ['deliver_street'],
      refused: [],
      messages: ['injected as 7'],
    });
    assert.equal(a.takeCorrections(), undefined, 'nothing left to send by order_update');
  });

  void it('an attempt in flight that created the order with the old values: the corrections follow by order_update', () => {
    const a = new Amendments();
    a.mapped(mapped());
    const inFlight = a.request!;
    const inFlightVersion = a.version;
    const version = a.amendBeforeInjection(
      { order: { deliver_street: 'Neue Straße' }, orderitems: [{ oi_pcode: 'EK00002', oi_quantity: 3 }] },
      ['deliver_street', 'orderitems'],
    );
    a.sent(inFlight);
    a.adopted({ from: inFlight, current: inFlightVersion === a.version }, 'injected as 7');
    assert.equal(street(a.held), 'Alte Straße', 'Hublify holds what the attempt sent');
    assert.equal(a.settled(version), false, 'the amendment waits for the order_update');
    const corrections = a.takeCorrections()!;
    assert.equal(corrections.version, version);
    assert.deepEqual(corrections.fields, ['deliver_street', 'orderitems']);
    assert.deepEqual(corrections.update, {
      order: { deliver_street: 'Neue Straße' },
      orderitems: [{ oi_pcode: 'EK00002', oi_quantity: 3 }],
    });
    assert.equal(a.takeCorrections(), undefined, 'taken once');
    a.noteSync({ outcome: 'updated', updated: ['deliver_street'], refused: ['orderitems'], messages: [] });
    assert.equal(a.settled(version), false, 'not before the corrections are settled');
    a.correctionsSettled(version);
    assert.deepEqual(a.syncOf(version)?.refused, ['orderitems']);
  });

  void it('an order found by a look-up is held as the first request sent', () => {
    const a = new Amendments();
    a.mapped(mapped());
    const first = a.request!;
    a.sent(first);
    a.amendBeforeInjection({ order: { deliver_street: 'Neue Straße' } }, ['deliver_street']);
    a.adopted(undefined, 'unused');
    assert.equal(a.held, first);
    assert.deepEqual(a.takeCorrections()?.fields, ['deliver_street']);
  });

  void it('a failed attempt settles its version without a sync (the amend answers refused)', () => {
    const a = new Amendments();
    a.mapped(mapped());
    const version = a.amendBeforeInjection({ order: { deliver_town: 'Bremen' } }, ['deliver_town']);
    a.failed(version);
    assert.equal(a.settled(version), true);
    assert.equal(a.syncOf(version), undefined);
  });

  void it('order_update keeps exactly the fields Hublify accepted (any accepted subset)', () => {
    const fields = ['deliver_street', 'deliver_town', 'o_comment'] as const;
    fc.assert(
      fc.property(fc.subarray([...fields]), (accepted) => {
        const a = new Amendments(mapped());
        a.updated({ order: { deliver_street: 'S', deliver_town: 'T', o_comment: 'C' } }, accepted);
        const held = a.held!.fields.order as Record<string, unknown>;
        const before = mapped().fields.order as Record<string, unknown>;
        for (const field of fields)
          assert.equal(
            held[field],
            accepted.includes(field)
              ? { deliver_street: 'S', deliver_town: 'T', o_comment: 'C' }[field]
              : before[field],
          );
        assert.equal(a.request, a.held);
      }),
    );
  });
});

void describe('StageBook (pure parts)', () => {
  const input = { order: sampleOrder(), source: 'webhook' as const, settings: {} as never };

  void it('a new status is RECEIVED from its source at the run start', () => {
    const status = newStatus(input, 'apicbase-order-1', new Date('2026-12-07T10:00:00Z'));
    assert.equal(status.stage, 'RECEIVED');
    assert.deepEqual(status.history, [{ stage: 'RECEIVED', at: '2026-12-07T10:00:00.000Z', detail: 'from webhook' }]);
    assert.equal(status.orderNumber, input.order.order_number);
  });

  void it('a stage record names the stage left, the receipt time and Hublify ids, and only the public detail', () => {
    const status = newStatus(input, 'apicbase-order-1', new Date('2026-12-07T10:00:00Z'));
    status.stage = 'INJECTED';
    status.hublify = { orderId: '7', personId: null, state: 'received', stateName: null };
    const record = stageRecord(status, 'WAITING_FOR_SHIPMENT', '2026-12-07T10:01:00.000Z', 'public');
    assert.equal(record.previousStage, 'INJECTED');
    assert.equal(record.stage, 'WAITING_FOR_SHIPMENT');
    assert.equal(record.receivedAt, '2026-12-07T10:00:00.000Z');
    assert.equal(record.hublifyOrderId, '7');
    assert.equal(record.detail, 'public');
    assert.equal(stageRecord(status, 'SHIPPED', 'x', undefined).detail, null);
  });

  void it("the Web UI's details show the last error only while support must act, and a cancel's reason and a live Hublify order", () => {
    const status = newStatus(input, 'apicbase-order-1', new Date());
    status.lastError = 'Hublify could not be reached';
    assert.equal(currentDetails(status), '**RECEIVED** · not in Hublify yet');
    status.stage = 'NEEDS_ATTENTION';
    assert.equal(currentDetails(status), '**NEEDS_ATTENTION** · not in Hublify yet · Hublify could not be reached');
    Object.assign(status, {
      stage: 'CANCELLED',
      lastError: null,
      cancelReason: 'customer called',
      hublifyStillLive: true,
      hublify: { orderId: '7', personId: null, state: 'received', stateName: null },
    });
    assert.equal(
      currentDetails(status),
      '**CANCELLED** · Hublify 7: received · relay stopped tracking: the Hublify order is STILL LIVE · reason: customer called',
    );
  });

  void it('names why an injection failed', () => {
    assert.equal(injectFailureTitle('HublifyRejected', 1000), 'Hublify rejected the order');
    assert.equal(injectFailureTitle('HublifyUnavailable', 90_000), 'Hublify could not be reached for 90s');
  });
});
