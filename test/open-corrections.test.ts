// Open corrections (workflows/order/open-corrections.ts): support's corrections Hublify does not hold,
// merged, closed field by field, compared with Hublify's items, and worded for support. node:test alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureTypeOf } from '../src/operations/order-why';
import {
  correctionOf,
  holdsItems,
  lastErrorWith,
  openCorrectionsText,
  withOpen,
  withoutHeld,
} from '../workflows/order/open-corrections';

const items = [{ oi_pcode: 'EK00001', oi_quantity: 6 }];
const data = (orderitems: unknown) => ({ orderid: 'H-1', order_state_code: 'received', orderitems });

void describe('open corrections', () => {
  void it('keeps only the named fields of an amendment, never its note', () => {
    const req = { order: { deliver_street: 'Neue Straße', o_comment: 'x' }, orderitems: items, note: 'called' };
    assert.deepEqual(correctionOf(req, ['deliver_street']), { order: { deliver_street: 'Neue Straße' } });
    assert.deepEqual(correctionOf(req, ['orderitems']), { orderitems: items });
  });

  void it('merges a later correction over an earlier one, and closes the fields Hublify took', () => {
    let open = withOpen(undefined, { orderitems: items }, ['orderitems'], 'refused', 'WARNING');
    open = withOpen(open, { order: { deliver_street: 'A' } }, ['deliver_street'], 'not-sent', 'HTTP 500');
    open = withOpen(open, { order: { deliver_street: 'B' } }, ['deliver_street'], 'refused', 'no');
    assert.deepEqual(open.fields, ['deliver_street', 'orderitems']);
    assert.deepEqual(open.update, { order: { deliver_street: 'B' }, orderitems: items });
    const rest = withoutHeld(open, ['deliver_street']);
    assert.deepEqual(rest?.fields, ['orderitems']);
    assert.deepEqual(rest?.update, { orderitems: items });
    assert.equal(withoutHeld(rest, ['orderitems']), undefined);
  });

  void it("sees the corrected items in Hublify's order_get answer (pcode and quantity, in order)", () => {
    const open = withOpen(undefined, { orderitems: items }, ['orderitems'], 'refused', 'WARNING');
    assert.equal(holdsItems(open, data([{ oi_pcode: 'EK00001', oi_quantity: 6 }])), true);
    assert.equal(holdsItems(open, data([{ oi_pcode: 'EK00001', oi_quantity: 1 }])), false);
    assert.equal(holdsItems(open, data(undefined)), false);
    assert.equal(holdsItems(undefined, data(items)), false);
  });

  void it('names every field and what to do; the public text leaves out what Hublify said', () => {
    const open = withOpen(
      withOpen(undefined, { orderitems: items }, ['orderitems'], 'refused', 'WARNING'),
      { order: { deliver_street: 'B' } },
      ['deliver_street'],
      'refused',
      'street Hauptstraße 1 unknown',
    );
    const text = openCorrectionsText(open, 'H-1');
    assert.match(text.detail, /^corrections refused by Hublify, not in Hublify order H-1: deliver_street, orderitems/);
    assert.match(text.detail, /change them in Hublify \(order H-1\) yourself, then send retry/);
    assert.match(text.detail, /retry sends deliver_street again/);
    assert.match(text.detail, /Hauptstraße/);
    assert.doesNotMatch(text.publicDetail, /Hauptstraße/);
    assert.match(
      lastErrorWith(open, 'H-1', 'order_get failed: HTTP 500') ?? '',
      /orderitems.*; order_get failed: HTTP 500$/,
    );
    assert.equal(lastErrorWith(undefined, 'H-1', null), null);
  });

  void it('`list --why` types the reason AmendmentNotInHublify, refused or not sent', () => {
    const refused = withOpen(undefined, { orderitems: items }, ['orderitems'], 'refused', 'WARNING');
    assert.equal(failureTypeOf(openCorrectionsText(refused, 'H-1').detail), 'AmendmentNotInHublify');
    const notSent = { ...refused, state: 'not-sent' as const };
    assert.equal(failureTypeOf(openCorrectionsText(notSent, 'H-1').detail), 'AmendmentNotInHublify');
  });
});
