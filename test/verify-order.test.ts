import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeRejection, isDecimalString, verifyOrder } from '../activities/verify-order';
import { epochMsOf, parseIsoDateTime } from '../workflows/iso-date-time';
import { apicbaseOrderSchema, type ApicbaseOrder, type ApicbasePackage } from '../src/apicbase/order';
import { parseCustomerDirectory } from '../src/customers/directory';

const directory = parseCustomerDirectory({
  customers: {
    'CUST-001': {
      name: 'Gasthaus',
      invoice: {
        gender: 'company',
        company: 'Gasthaus GmbH',
        street: 'Müllerstraße',
        housenr: '1',
        zip: '80469',
        town: 'München',
        country: 'DE',
      },
      vatPct: '19',
      priceMode: 'net',
    },
  },
});

function pkg(
  overrides: Partial<ApicbasePackage> = {},
  supplier: Partial<ApicbasePackage['supplier_package']> = {},
): ApicbasePackage {
  return {
    stock_item: { name: 'Crème fraîche 30%' },
    supplier_package: { supplier_article_number: 'ART-1', theoretical_price_per_package: '12.50', ...supplier },
    quantity_ordered: 2,
    total_theoretical_price: '25.00',
    ...overrides,
  };
}

function order(overrides: Partial<ApicbaseOrder> = {}): ApicbaseOrder {
  // Through the schema, so the fixture is a shape the ingress really lets through.
  return apicbaseOrderSchema.parse({
    id: 'po-123',
    order_number: 'PO-2024-0001',
    status: 'ORDERED',
    ordered_on: '2024-03-01T09:30:00Z',
    owned_by: { username: 'chef' },
    order_remarks: null,
    packages: [pkg()],
    expected_delivery_date: '2024-03-05T06:00:00+01:00',
    theoretical_price: '25.00',
    supplier_customer_number: 'CUST-001',
    ...overrides,
  });
}

function reasonsFor(o: ApicbaseOrder): string[] {
  const result = verifyOrder(o, directory);
  return result.ok ? [] : result.reasons;
}

void describe('verifyOrder', () => {
  void test('accepts a well-formed order for a known customer', () => {
    assert.deepEqual(verifyOrder(order(), directory), { ok: true });
  });

  const accepted: { name: string; order: ApicbaseOrder }[] = [
    {
      name: 'no owner, remarks or expected delivery',
      order: order({ owned_by: null, order_remarks: null, expected_delivery_date: null }),
    },
    {
      name: 'optional fields absent',
      order: order({ owned_by: undefined, order_remarks: undefined, expected_delivery_date: undefined }),
    },
    { name: 'expected delivery as a plain date', order: order({ expected_delivery_date: '2024-03-05' }) },
    { name: 'microseconds and an offset', order: order({ ordered_on: '2024-03-01T09:30:00.123456+01:00' }) },
    {
      name: 'integer and 3-decimal prices',
      order: order({ packages: [pkg({ total_theoretical_price: '3' }, { theoretical_price_per_package: '1.005' })] }),
    },
    {
      name: 'a zero price',
      order: order({
        theoretical_price: '0',
        packages: [pkg({ total_theoretical_price: '0.00' }, { theoretical_price_per_package: '0' })],
      }),
    },
  ];
  for (const c of accepted) {
    void test(`accepts: ${c.name}`, () => assert.deepEqual(reasonsFor(c.order), []));
  }

  const rejected: { name: string; order: ApicbaseOrder; reason: string }[] = [
    {
      name: 'status not ORDERED',
      order: order({ status: 'DRAFT' }),
      reason: 'status is "DRAFT"; only orders with status "ORDERED" can be relayed',
    },
    {
      name: 'no packages',
      order: order({ packages: [] }),
      reason: 'the order has no packages; at least one is required',
    },
    {
      name: 'zero quantity',
      order: order({ packages: [pkg({ quantity_ordered: 0 })] }),
      reason: 'packages[0].quantity_ordered is 0; it must be a positive whole number',
    },
    {
      name: 'negative quantity',
      order: order({ packages: [pkg(), pkg({ quantity_ordered: -3 })] }),
      reason: 'packages[1].quantity_ordered is -3',
    },
    {
      name: 'fractional quantity',
      order: order({ packages: [pkg({ quantity_ordered: 1.5 })] }),
      reason: 'packages[0].quantity_ordered is 1.5',
    },
    {
      name: 'empty article number',
      order: order({ packages: [pkg({}, { supplier_article_number: '' })] }),
      reason:
        "packages[0].supplier_package.supplier_article_number is empty; every package needs the supplier's article number",
    },
    {
      name: 'blank article number',
      order: order({ packages: [pkg({}, { supplier_article_number: '   ' })] }),
      reason: 'packages[0].supplier_package.supplier_article_number is empty',
    },
    {
      name: 'exponent price',
      order: order({ packages: [pkg({}, { theoretical_price_per_package: '1e3' })] }),
      reason:
        'packages[0].supplier_package.theoretical_price_per_package is "1e3"; it must be a plain decimal number such as "12.50"',
    },
    {
      name: 'empty package total',
      order: order({ packages: [pkg({ total_theoretical_price: '' })] }),
      reason: 'packages[0].total_theoretical_price is ""',
    },
    {
      name: 'comma decimal total',
      order: order({ theoretical_price: '25,00' }),
      reason: 'theoretical_price is "25,00"',
    },
    {
      name: 'unparseable ordered_on',
      order: order({ ordered_on: 'yesterday' }),
      reason: 'ordered_on is "yesterday"; it must be an ISO-8601 date and time',
    },
    {
      name: 'ordered_on as a date only',
      order: order({ ordered_on: '2024-03-01' }),
      reason: 'ordered_on is "2024-03-01"',
    },
    {
      name: 'impossible day',
      order: order({ ordered_on: '2024-02-30T10:00:00Z' }),
      reason: 'ordered_on is "2024-02-30T10:00:00Z"',
    },
    {
      name: 'bad expected delivery',
      order: order({ expected_delivery_date: '05.03.2024' }),
      reason: 'expected_delivery_date is "05.03.2024"',
    },
    {
      name: 'unknown customer',
      order: order({ supplier_customer_number: 'X' }),
      reason: 'supplier_customer_number "X" is not set up as a customer location',
    },
    {
      name: 'customer number that is an Object.prototype member',
      order: order({ supplier_customer_number: 'constructor' }),
      reason: 'supplier_customer_number "constructor" is not set up as a customer location',
    },
  ];
  for (const c of rejected) {
    void test(`rejects: ${c.name}`, () => {
      const reasons = reasonsFor(c.order);
      assert.equal(reasons.length, 1, reasons.join('\n'));
      assert.ok(reasons[0]?.startsWith(c.reason), `got: ${reasons[0]}`);
    });
  }

  void test('lists every failed check at once', () => {
    const bad = order({
      status: 'CANCELLED',
      ordered_on: 'soon',
      expected_delivery_date: 'later',
      theoretical_price: '-1',
      supplier_customer_number: 'CUST-404',
      packages: [
        pkg(
          { quantity_ordered: 0, total_theoretical_price: 'x' },
          { supplier_article_number: '', theoretical_price_per_package: '.5' },
        ),
        pkg(),
        pkg({ quantity_ordered: 2.5 }),
      ],
    });
    const reasons = reasonsFor(bad);
    const mentions = [
      'status',
      'supplier_customer_number',
      'ordered_on',
      'expected_delivery_date',
      'theoretical_price is',
      'packages[0].quantity_ordered',
      'packages[0].supplier_package.supplier_article_number',
      'packages[0].supplier_package.theoretical_price_per_package',
      'packages[0].total_theoretical_price',
      'packages[2].quantity_ordered',
    ];
    assert.equal(reasons.length, mentions.length, reasons.join('\n'));
    mentions.forEach((m, i) => assert.ok(reasons[i]?.startsWith(m), `reason ${i} should be about ${m}: ${reasons[i]}`));
  });

  void test('cuts very long values short in reasons', () => {
    const [reason] = reasonsFor(order({ theoretical_price: 'x'.repeat(10_000) }));
    assert.ok(reason && reason.length < 200, reason);
  });
});

void describe('isDecimalString', () => {
  const cases: [unknown, boolean][] = [
    ['12.50', true],
    ['0', true],
    ['0.005', true],
    ['007.10', true],
    ['123456789012345.123456', true],
    ['', false],
    [' 1', false],
    ['1 ', false],
    ['1e3', false],
    ['1E-2', false],
    ['-1', false],
    ['+1', false],
    ['.5', false],
    ['5.', false],
    ['1,5', false],
    ['NaN', false],
    ['Infinity', false],
    ['0x10', false],
    [12.5, false],
    [null, false],
  ];
  for (const [value, expected] of cases) {
    void test(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(isDecimalString(value), expected));
  }
});

void describe('parseIsoDateTime', () => {
  const instants: [string, string][] = [
    ['2024-03-01T09:30:00Z', '2024-03-01T09:30:00.000Z'],
    ['2024-03-01T09:30:00z', '2024-03-01T09:30:00.000Z'],
    ['2024-03-01T09:30Z', '2024-03-01T09:30:00.000Z'],
    ['2024-03-01T10:30:00+01:00', '2024-03-01T09:30:00.000Z'],
    ['2024-03-01T10:30:00+0100', '2024-03-01T09:30:00.000Z'],
    ['2024-03-01T04:00:00-05', '2024-03-01T09:00:00.000Z'],
    ['2024-03-01T09:30:00.123456Z', '2024-03-01T09:30:00.123Z'],
    ['2024-03-01T09:30:00,5Z', '2024-03-01T09:30:00.500Z'],
    ['2024-02-29T23:59:59+05:30', '2024-02-29T18:29:59.000Z'],
    // No offset: read as UTC, whatever zone the server runs in.
    ['2024-03-01T09:30:00', '2024-03-01T09:30:00.000Z'],
  ];
  for (const [input, iso] of instants) {
    void test(`${input} is ${iso}`, () => {
      const m = parseIsoDateTime(input);
      assert.equal(m?.kind, 'instant');
      assert.equal(m.kind === 'instant' && new Date(m.epochMs).toISOString(), iso);
    });
  }

  void test('a plain date only where allowed', () => {
    assert.equal(parseIsoDateTime('2024-03-05'), undefined);
    assert.deepEqual(parseIsoDateTime('2024-03-05', { allowDateOnly: true }), { kind: 'date', date: '2024-03-05' });
  });

  void test('epochMsOf: an instant as is, a date from its start (UTC)', () => {
    assert.equal(epochMsOf({ kind: 'instant', epochMs: 42 }), 42);
    assert.equal(new Date(epochMsOf({ kind: 'date', date: '2024-03-05' })).toISOString(), '2024-03-05T00:00:00.000Z');
  });

  for (const input of [
    '',
    'yesterday',
    'March 7, 2024',
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-10T00:00:00Z',
    '2024-03-01T24:00:00Z',
    '2024-03-01T12:60:00Z',
    '2024-03-01T12:00:60Z',
    '2024-03-01T12:00:00+25:00',
    '2024-3-1T12:00:00Z',
    '1709285400000',
    '2024-03-01T12:00:00Z trailing',
  ]) {
    void test(`rejects ${JSON.stringify(input)}`, () =>
      assert.equal(parseIsoDateTime(input, { allowDateOnly: true }), undefined));
  }
});

void describe('describeRejection', () => {
  void test('one reason: one sentence', () => {
    assert.equal(describeRejection(['status is "DRAFT"']), 'The order was rejected: status is "DRAFT".');
  });
  void test('several reasons: a numbered list with every reason', () => {
    const text = describeRejection(['a is wrong', 'b is wrong', 'c is wrong']);
    assert.equal(text, 'The order was rejected for 3 reasons:\n  1. a is wrong\n  2. b is wrong\n  3. c is wrong');
  });
  void test('no reasons still reads as a sentence', () => {
    assert.equal(describeRejection([]), 'The order was rejected.');
  });
});
