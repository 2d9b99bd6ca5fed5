import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { bruttoPrice, formatWallClock, mapOrderToHublify } from '../activities/map-order';
import { verifyOrder } from '../activities/verify-order';
import { apicbaseOrderSchema, type ApicbaseOrder, type ApicbasePackage } from '../src/apicbase/order';
import { findCustomer, loadCustomerDirectory, type Customer, type PriceMode } from '../src/customers/directory';
import {
  hublifyOrderCreateRequestSchema,
  type HublifyOrderCreateRequest,
  type HublifyOrderItem,
} from '../src/hublify/types';

const directory = loadCustomerDirectory(path.join(__dirname, '..', 'config', 'customers.example.json'));

function customer(number: string): Customer {
  const c = findCustomer(directory, number);
  assert.ok(c, `${number} is in the example directory`);
  return c;
}

function withPricing(priceMode: PriceMode, vatPct: string): Customer {
  return { ...customer('CUST-001'), priceMode, vatPct };
}

function pkg(name: string, article: string, price: string, quantity = 1): ApicbasePackage {
  return {
    stock_item: { name },
    supplier_package: { supplier_article_number: article, theoretical_price_per_package: price },
    quantity_ordered: quantity,
    total_theoretical_price: new Decimal(price).times(quantity).toFixed(),
  };
}

function order(overrides: Partial<ApicbaseOrder> = {}): ApicbaseOrder {
  return apicbaseOrderSchema.parse({
    id: 'po-8f3a',
    order_number: 'PO-2024-0042',
    status: 'ORDERED',
    ordered_on: '2024-03-01T09:30:00Z',
    owned_by: { username: 'küchenchef' },
    order_remarks: 'Bitte vor 7 Uhr liefern.',
    packages: [pkg('Crème fraîche 30%', 'CF-30', '10.50', 3)],
    expected_delivery_date: '2024-03-05T05:00:00Z',
    theoretical_price: '31.50',
    supplier_customer_number: 'CUST-001',
    ...overrides,
  });
}

type OrderFields = HublifyOrderCreateRequest['fields']['order'];

interface MapCase {
  name: string;
  order?: Partial<ApicbaseOrder>;
  customer?: Customer;
  timeZone?: string;
  /** Fields of `fields.order` that must equal these values. */
  expectOrder?: Partial<Record<string, unknown>>;
  /** Fields of `fields.order` that must be absent. */
  absent?: string[];
  expectPerson?: Record<string, unknown>;
  expectItems?: HublifyOrderItem[];
  /** Only oi_price_single_brutto of each item. */
  expectPrices?: (number | undefined)[];
}

const cases: MapCase[] = [
  {
    name: 'ids, person and contact of a net-priced German restaurant',
    expectOrder: { o_orderid_external: 'PO-2024-0042', st_label: 'standard' },
    expectPerson: { p_personid_external: 'CUST-001', email: 'kueche@zum-loewen.example', telephone: '+49 89 1234567' },
  },
  {
    name: 'delivery defaults to the invoice address, umlauts intact',
    expectOrder: {
      invoice_company: 'Gasthaus Zum Löwen GmbH',
      invoice_gender: 'company',
      invoice_firstname: 'Jürgen',
      invoice_lastname: 'Bäcker',
      invoice_addrextra: null,
      invoice_street: 'Müllerstraße',
      invoice_housenr: '12a',
      invoice_zip: '80469',
      invoice_town: 'München',
      invoice_country: 'DE',
      deliver_company: 'Gasthaus Zum Löwen GmbH',
      deliver_gender: 'company',
      deliver_firstname: 'Jürgen',
      deliver_lastname: 'Bäcker',
      deliver_addrextra: null,
      deliver_street: 'Müllerstraße',
      deliver_housenr: '12a',
      deliver_zip: '80469',
      deliver_town: 'München',
      deliver_country: 'DE',
    },
  },
  {
    name: 'a separate delivery address is used as is',
    order: { supplier_customer_number: 'CUST-003' },
    customer: customer('CUST-003'),
    expectOrder: {
      invoice_street: 'Große Elbstraße',
      invoice_addrextra: 'Buchhaltung',
      deliver_company: 'Hotel Elbblick',
      deliver_gender: 'female',
      deliver_firstname: 'Anna',
      deliver_lastname: 'Øster',
      deliver_addrextra: 'Warenannahme Küche, Hintereingang',
      deliver_street: 'Elbchaussee',
      deliver_zip: '22763',
      st_label: 'express',
    },
    expectPerson: { p_personid_external: 'CUST-003', email: 'einkauf@elbblick.example' },
  },
  {
    name: 'net mode: brutto = net × 1.19, 12.495 rounds half-up to 12.50 ((10.5 * 1.19).toFixed(2) says 12.49)',
    expectItems: [
      {
        oi_pcode: 'CF-30',
        oi_name: 'Crème fraîche 30%',
        oi_type: 'product',
        oi_quantity: 3,
        oi_price_single_brutto: 12.5,
        oi_vat_pct: 19,
      },
    ],
  },
  {
    name: 'omit mode: no prices, no VAT, no shipping label, person without contact',
    order: { supplier_customer_number: 'CUST-002' },
    customer: customer('CUST-002'),
    expectItems: [{ oi_pcode: 'CF-30', oi_name: 'Crème fraîche 30%', oi_type: 'product', oi_quantity: 3 }],
    absent: ['st_label'],
    expectPerson: { p_personid_external: 'CUST-002' },
  },
  {
    name: 'gross mode: prices sent as they are, rounded to cents',
    customer: withPricing('gross', '19'),
    order: {
      packages: [
        pkg('Weißwurst', 'WW-1', '4.99', 10),
        pkg('寿司米', 'SR-5', '1.005', 2),
        pkg('Äpfel', 'AP-1', '2.675'),
      ],
    },
    // 1.005 and 2.675 are below the half in binary floats; decimal rounding goes up.
    expectItems: [
      {
        oi_pcode: 'WW-1',
        oi_name: 'Weißwurst',
        oi_type: 'product',
        oi_quantity: 10,
        oi_price_single_brutto: 4.99,
        oi_vat_pct: 19,
      },
      {
        oi_pcode: 'SR-5',
        oi_name: '寿司米',
        oi_type: 'product',
        oi_quantity: 2,
        oi_price_single_brutto: 1.01,
        oi_vat_pct: 19,
      },
      {
        oi_pcode: 'AP-1',
        oi_name: 'Äpfel',
        oi_type: 'product',
        oi_quantity: 1,
        oi_price_single_brutto: 2.68,
        oi_vat_pct: 19,
      },
    ],
  },
  {
    name: 'gross mode: the 0.005 boundary',
    customer: withPricing('gross', '7'),
    order: {
      packages: [
        pkg('a', 'A', '0.004'),
        pkg('b', 'B', '0.005'),
        pkg('c', 'C', '0.0049999'),
        pkg('d', 'D', '0.015'),
        pkg('e', 'E', '0'),
      ],
    },
    expectPrices: [0, 0.01, 0, 0.02, 0],
  },
  {
    name: 'net mode, 19 %: boundaries and 3-decimal inputs',
    customer: withPricing('net', '19'),
    order: {
      packages: [
        pkg('a', 'A', '10.49'), // 12.4831
        pkg('b', 'B', '1.005'), // 1.19595
        pkg('c', 'C', '0.42'), // 0.4998
        pkg('d', 'D', '8.40'), // 9.996
        pkg('e', 'E', '123456789.125'), // 146913579.05875
      ],
    },
    expectPrices: [12.48, 1.2, 0.5, 10, 146913579.06],
  },
  {
    name: 'net mode, 7 % and 7.7 % VAT',
    customer: withPricing('net', '7.7'),
    order: { packages: [pkg('a', 'A', '100'), pkg('b', 'B', '12.345'), pkg('c', 'C', '0.05')] },
    // 107.7, 13.295565, 0.05385
    expectPrices: [107.7, 13.3, 0.05],
  },
  {
    name: 'net mode, 7 %: VAT number sent',
    customer: withPricing('net', '7'),
    order: { packages: [pkg('Brötchen', 'BR', '0.35', 120)] }, // 0.3745
    expectItems: [
      {
        oi_pcode: 'BR',
        oi_name: 'Brötchen',
        oi_type: 'product',
        oi_quantity: 120,
        oi_price_single_brutto: 0.37,
        oi_vat_pct: 7,
      },
    ],
  },
  {
    name: 'net mode, 0 % VAT',
    customer: withPricing('net', '0'),
    order: { packages: [pkg('a', 'A', '3.335')] },
    expectItems: [
      { oi_pcode: 'A', oi_name: 'a', oi_type: 'product', oi_quantity: 1, oi_price_single_brutto: 3.34, oi_vat_pct: 0 },
    ],
  },
  // o_time_ordered: converted to the directory's zone, across DST changes.
  {
    name: 'Berlin winter time (UTC+1)',
    order: { ordered_on: '2024-01-15T08:05:09.123456Z' },
    expectOrder: { o_time_ordered: '2024-01-15 09:05:09' },
  },
  {
    name: 'Berlin summer time (UTC+2)',
    order: { ordered_on: '2024-07-01T12:00:00+02:00' },
    expectOrder: { o_time_ordered: '2024-07-01 12:00:00' },
  },
  {
    name: 'last second before spring forward',
    order: { ordered_on: '2024-03-31T00:59:59Z' },
    expectOrder: { o_time_ordered: '2024-03-31 01:59:59' },
  },
  {
    name: 'first second after spring forward',
    order: { ordered_on: '2024-03-31T01:00:00Z' },
    expectOrder: { o_time_ordered: '2024-03-31 03:00:00' },
  },
  {
    name: 'autumn: first 02:30 (CEST)',
    order: { ordered_on: '2024-10-27T00:30:00Z' },
    expectOrder: { o_time_ordered: '2024-10-27 02:30:00' },
  },
  {
    name: 'autumn: second 02:30 (CET)',
    order: { ordered_on: '2024-10-27T01:30:00Z' },
    expectOrder: { o_time_ordered: '2024-10-27 02:30:00' },
  },
  {
    name: 'new year in Berlin while UTC is still in the old one',
    order: { ordered_on: '2023-12-31T23:30:00Z' },
    expectOrder: { o_time_ordered: '2024-01-01 00:30:00' },
  },
  {
    name: 'midnight is 00, never 24',
    order: { ordered_on: '2024-01-01T00:00:00Z' },
    timeZone: 'UTC',
    expectOrder: { o_time_ordered: '2024-01-01 00:00:00' },
  },
  {
    name: 'New York on its spring-forward day',
    order: { ordered_on: '2024-03-10T07:30:00Z' },
    timeZone: 'America/New_York',
    expectOrder: { o_time_ordered: '2024-03-10 03:30:00' },
  },
  {
    name: 'a naive ordered_on is read as UTC',
    order: { ordered_on: '2024-06-01T10:00:00' },
    expectOrder: { o_time_ordered: '2024-06-01 12:00:00' },
  },
  // o_comment
  {
    name: 'comment with every part',
    expectOrder: {
      o_comment:
        'Apicbase order PO-2024-0042 (id po-8f3a)\nOrdered by: küchenchef\nExpected delivery: 2024-03-05 06:00 (Europe/Berlin)\nRemarks: Bitte vor 7 Uhr liefern.',
    },
  },
  {
    name: 'comment with absent optional fields',
    order: { owned_by: null, order_remarks: null, expected_delivery_date: null },
    expectOrder: { o_comment: 'Apicbase order PO-2024-0042 (id po-8f3a)' },
  },
  {
    name: 'comment with missing (undefined) optional fields and blank remarks',
    order: { owned_by: undefined, order_remarks: '   ', expected_delivery_date: undefined },
    expectOrder: { o_comment: 'Apicbase order PO-2024-0042 (id po-8f3a)' },
  },
  {
    name: 'comment with a date-only expected delivery and multi-line remarks',
    order: {
      expected_delivery_date: '2024-03-05',
      order_remarks: 'Tor 3.\nNicht klingeln – Baby schläft 😴',
      owned_by: { username: 'anna' },
    },
    expectOrder: {
      o_comment:
        'Apicbase order PO-2024-0042 (id po-8f3a)\nOrdered by: anna\nExpected delivery: 2024-03-05\nRemarks: Tor 3.\nNicht klingeln – Baby schläft 😴',
    },
  },
];

void describe('mapOrderToHublify', () => {
  for (const c of cases) {
    void test(c.name, () => {
      const o = order(c.order);
      const cust = c.customer ?? customer('CUST-001');
      const request = mapOrderToHublify(o, cust, { timeZone: c.timeZone ?? 'Europe/Berlin' });
      const fields: OrderFields = request.fields.order;

      // Always: what Hublify's schema accepts, and survives JSON (Temporal payloads are JSON).
      hublifyOrderCreateRequestSchema.parse(request);
      assert.deepEqual(JSON.parse(JSON.stringify(request)), request);

      for (const [key, value] of Object.entries(c.expectOrder ?? {}))
        assert.deepEqual(fields[key], value, `fields.order.${key}`);
      for (const key of c.absent ?? []) assert.ok(!(key in fields), `fields.order.${key} should be absent`);
      if (c.expectPerson) assert.deepEqual(request.fields.person, c.expectPerson);
      if (c.expectItems) assert.deepEqual(fields.orderitems, c.expectItems);
      if (c.expectPrices)
        assert.deepEqual(
          fields.orderitems?.map((i) => i.oi_price_single_brutto),
          c.expectPrices,
        );
    });
  }

  void test('every example customer maps a verified order', () => {
    for (const number of Object.keys(directory.customers)) {
      const o = order({ supplier_customer_number: number });
      assert.deepEqual(verifyOrder(o, directory), { ok: true });
      const request = mapOrderToHublify(o, customer(number), { timeZone: directory.timeZone });
      assert.equal(request.fields.person?.p_personid_external, number);
    }
  });

  void test('refuses an order verifyOrder would reject, instead of guessing a time', () => {
    assert.throws(
      () => mapOrderToHublify(order({ ordered_on: 'soon' }), customer('CUST-001'), { timeZone: 'Europe/Berlin' }),
      /ordered_on/,
    );
  });
});

void describe('bruttoPrice', () => {
  // Strings such as "12", "0.5", "123456789.1234" — including leading zeros and 3-4 decimals.
  const decimalString = fc.stringMatching(/^\d{1,9}(\.\d{1,4})?$/);
  const vatString = fc.stringMatching(/^\d{1,2}(\.\d{1,3})?$/);
  const Reference = Decimal.clone({ precision: 60 });

  void test('net: equals a decimal.js reference (net + net × vat / 100, half-up to cents) after mapping', () => {
    fc.assert(
      fc.property(decimalString, vatString, (net, vat) => {
        const exact = new Reference(net).plus(new Reference(net).times(vat).dividedBy(100));
        const expected = Number(exact.toDecimalPlaces(2, Reference.ROUND_HALF_UP).toFixed(2));
        const request = mapOrderToHublify(order({ packages: [pkg('x', 'X', net)] }), withPricing('net', vat), {
          timeZone: 'UTC',
        });
        assert.equal(request.fields.order.orderitems?.[0]?.oi_price_single_brutto, expected);
        // And within half a cent of the exact value.
        assert.ok(bruttoPrice(net, vat, 'net').minus(exact).abs().lte('0.005'));
      }),
      { numRuns: 500 },
    );
  });

  void test('gross: the price itself, half-up to cents', () => {
    fc.assert(
      fc.property(decimalString, (gross) => {
        const expected = new Reference(gross).toDecimalPlaces(2, Reference.ROUND_HALF_UP);
        assert.equal(bruttoPrice(gross, '19', 'gross').toFixed(2), expected.toFixed(2));
      }),
      { numRuns: 300 },
    );
  });

  void test('refuses a non-decimal price', () => {
    assert.throws(() => bruttoPrice('1e3', '19', 'net'), /not a decimal string/);
  });
});

void describe('formatWallClock', () => {
  void test('pads every part', () => {
    assert.equal(formatWallClock(Date.UTC(2024, 0, 2, 3, 4, 5), 'UTC'), '2024-01-02 03:04:05');
  });
});
