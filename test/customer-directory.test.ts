import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config';
import { pollUntil } from '../src/poll-until';
import {
  CustomerDirectoryError,
  findCustomer,
  loadCustomerDirectory,
  parseCustomerDirectory,
  type CustomerDirectory,
} from '../src/customers/directory';
import { sampleOrder } from './helpers/sample-order';
import { startTestSystem, type TestSystem } from './helpers/system';
import { deliverOrder } from './helpers/webhook';

const EXAMPLE_FILE = path.join(__dirname, '..', 'config', 'customers.example.json');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'customer-directory-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function writeTmp(name: string, content: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content, 'utf8');
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CustomerDirectoryError, `expected CustomerDirectoryError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a CustomerDirectoryError');
}

const validCustomer = {
  name: 'Test Kitchen',
  invoice: {
    gender: 'company',
    company: 'Test GmbH',
    street: 'Teststraße',
    housenr: '1',
    zip: '10115',
    town: 'Berlin',
    country: 'DE',
  },
  vatPct: '19',
  priceMode: 'net',
};

void describe('the example directory (config/customers.example.json)', () => {
  const directory = loadCustomerDirectory(EXAMPLE_FILE);

  void test('is the default CUSTOMER_DIRECTORY_FILE', () => {
    assert.equal(path.resolve(loadConfig({}).CUSTOMER_DIRECTORY_FILE), path.resolve(EXAMPLE_FILE));
  });

  void test('CUST-001: German restaurant, net prices sent gross at 19 %, umlauts intact', () => {
    const c = findCustomer(directory, 'CUST-001');
    assert.ok(c);
    assert.equal(c.priceMode, 'net');
    assert.equal(c.vatPct, '19');
    assert.equal(c.invoice.street, 'Müllerstraße');
    assert.equal(c.invoice.country, 'DE');
    assert.equal(c.delivery, undefined);
  });

  void test('CUST-002: prices omitted, 7 % VAT', () => {
    const c = findCustomer(directory, 'CUST-002');
    assert.equal(c?.priceMode, 'omit');
    assert.equal(c?.vatPct, '7');
  });

  void test('some customer has a delivery address different from its invoice address', () => {
    const withDelivery = Object.values(directory.customers).filter(
      (c) => c.delivery && c.delivery.street !== c.invoice.street,
    );
    assert.ok(withDelivery.length >= 1);
  });

  void test('uses Europe/Berlin and is plain JSON data (it travels into Temporal activities)', () => {
    assert.equal(directory.timeZone, 'Europe/Berlin');
    assert.deepEqual(JSON.parse(JSON.stringify(directory)), directory);
  });
});

void describe('loadCustomerDirectory', () => {
  void test('a missing file gets a clear message naming the file', () => {
    const file = path.join(tmp, 'nope.json');
    assert.throws(
      () => loadCustomerDirectory(file),
      (err: unknown) => {
        assert.ok(err instanceof CustomerDirectoryError);
        assert.match(err.message, /nope\.json/);
        assert.match(err.message, /file not found/);
        return true;
      },
    );
  });

  void test('malformed JSON gets a clear message', () => {
    const file = writeTmp('broken.json', '{ "customers": { "A": ');
    assert.throws(() => loadCustomerDirectory(file), /broken\.json[\s\S]*not valid JSON/);
  });

  void test('a UTF-8 byte order mark is tolerated', () => {
    const file = writeTmp('bom.json', '\uFEFF' + JSON.stringify({ customers: { 'CUST-1': validCustomer } }));
    assert.equal(loadCustomerDirectory(file).customers['CUST-1']?.invoice.street, 'Teststraße');
  });

  void test('timeZone defaults to Europe/Berlin', () => {
    assert.equal(parseCustomerDirectory({ customers: { A: validCustomer } }).timeZone, 'Europe/Berlin');
  });

  void test('lists every problem with its path', () => {
    const file = writeTmp(
      'bad.json',
      JSON.stringify({
        timeZone: 'Mars/Olympus_Mons',
        customers: {
          'CUST-009': {
            name: 'Broken',
            invoice: { gender: 'company', company: 'X', street: 'S', housenr: '1', town: 'T', country: 'de' },
            vatPct: 19,
            priceMode: 'brutto',
            shippingLabel: '',
          },
          'CUST-010': {
            ...validCustomer,
            vatPct: '7,7',
            delivery: { gender: 'male', street: 'S', housenr: '1', zip: '1', town: 'T', country: 'DE' },
          },
          'CUST-011': { ...validCustomer, contact: { email: 'not-an-email' }, extra: true },
        },
      }),
    );
    const problems = problemsOf(() => loadCustomerDirectory(file));
    const expected = [
      'timeZone: must be an IANA time zone such as "Europe/Berlin"',
      'customers.CUST-009.invoice.zip: required',
      'customers.CUST-009.invoice.country: must be an ISO 3166-1 alpha-2 code such as "DE"',
      'customers.CUST-009.vatPct: ',
      'customers.CUST-009.priceMode: ',
      'customers.CUST-009.shippingLabel: must not be blank',
      'customers.CUST-010.vatPct: must be a decimal string such as "19" or "7.7"',
      'customers.CUST-010.delivery.lastname: required when gender is "male"',
      'customers.CUST-011.contact.email: must be an e-mail address',
      'customers.CUST-011: Unrecognized key: "extra"',
    ];
    for (const e of expected)
      assert.ok(
        problems.some((p) => p.startsWith(e)),
        `missing problem "${e}" in:\n${problems.join('\n')}`,
      );
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });

  const invalidDirectories: { name: string; json: unknown; problem: string }[] = [
    { name: 'not an object', json: [], problem: '(top level): ' },
    { name: 'no customers key', json: {}, problem: 'customers: required' },
    { name: 'no customers', json: { customers: {} }, problem: 'customers: must list at least one customer location' },
    {
      name: 'VAT over 100',
      json: { customers: { A: { ...validCustomer, vatPct: '119' } } },
      problem: 'customers.A.vatPct: must not exceed 100',
    },
    {
      name: 'company address without a company',
      json: { customers: { A: { ...validCustomer, invoice: { ...validCustomer.invoice, company: undefined } } } },
      problem: 'customers.A.invoice.company: required when gender is "company"',
    },
    {
      name: 'unknown gender',
      json: { customers: { A: { ...validCustomer, invoice: { ...validCustomer.invoice, gender: 'other' } } } },
      problem: 'customers.A.invoice.gender: ',
    },
    {
      name: 'blank street',
      json: { customers: { A: { ...validCustomer, invoice: { ...validCustomer.invoice, street: '  ' } } } },
      problem: 'customers.A.invoice.street: must not be blank',
    },
  ];
  for (const c of invalidDirectories) {
    void test(`rejects: ${c.name}`, () => {
      const problems = problemsOf(() => parseCustomerDirectory(c.json, 'test'));
      assert.ok(
        problems.some((p) => p.startsWith(c.problem)),
        problems.join('\n'),
      );
    });
  }

  void test('accepts decimal VAT rates and every price mode', () => {
    for (const [vatPct, priceMode] of [
      ['7.7', 'gross'],
      ['0', 'net'],
      ['100', 'omit'],
      ['8.125', 'net'],
    ]) {
      assert.doesNotThrow(
        () => parseCustomerDirectory({ customers: { A: { ...validCustomer, vatPct, priceMode } } }),
        `${vatPct} ${priceMode}`,
      );
    }
  });
});

void describe('findCustomer', () => {
  const directory: CustomerDirectory = parseCustomerDirectory({ customers: { 'CUST-1': validCustomer } });

  void test('finds a known customer number', () => {
    assert.equal(findCustomer(directory, 'CUST-1')?.name, 'Test Kitchen');
  });

  for (const unknown of ['CUST-2', '', 'cust-1', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    void test(`does not find ${JSON.stringify(unknown)}`, () => {
      assert.equal(findCustomer(directory, unknown), undefined);
    });
  }
});

void describe('the running relay reloads the directory when its file changes (no restart)', () => {
  const ADMIN_TOKEN = 'test-admin-token-customers-3f9d';
  let system: TestSystem;
  let file: string;
  const example = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as { customers: Record<string, unknown> };

  before(async () => {
    file = writeTmp('live-customers.json', JSON.stringify(example, null, 2));
    system = await startTestSystem({ CUSTOMER_DIRECTORY_FILE: file, ADMIN_TOKEN });
  });
  after(() => system?.close());

  /** How the tests wait: the watcher reacts to the file system's event, not at a fixed time. */
  const watching = { timeoutMs: 20_000, everyMs: 50 };

  const doctorCustomers = async () => {
    const res = await fetch(`${system.baseUrl}/admin/doctor`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const report = (await res.json()) as { checks: Array<{ name: string; status: string; detail: string }> };
    return report.checks.find((c) => c.name === 'customer directory')!;
  };

  void test('a new customer is taken at once (webhook and activities); an invalid edit keeps the last good one, is logged and shown by doctor', async () => {
    const newcomer = sampleOrder({ supplier_customer_number: 'CUST-NEW' });
    const refused = await deliverOrder(system.baseUrl, newcomer);
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.match(JSON.stringify(refused.body), /CUST-NEW/);

    // Support adds the customer location; the relay takes it without a restart.
    const withNew = {
      ...example,
      customers: {
        ...example.customers,
        'CUST-NEW': { ...validCustomer, invoice: { ...validCustomer.invoice, street: 'Neukundenweg' } },
      },
    };
    writeFileSync(file, JSON.stringify(withNew, null, 2));
    await pollUntil(() => findCustomer(system.relay.customerDirectory.customers(), 'CUST-NEW'), {
      what: 'the relay to see CUST-NEW',
      ...watching,
    });
    const accepted = await deliverOrder(system.baseUrl, newcomer);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    // The activities map with the reloaded directory: Hublify gets the new customer's address.
    const inHublify = await pollUntil(() => system.sandbox.order(newcomer.order_number), {
      what: 'the order in Hublify',
      ...watching,
    });
    assert.equal(inHublify.order.invoice_street, 'Neukundenweg');
    assert.equal((await doctorCustomers()).status, 'ok');

    // An invalid edit: kept aside, the last good directory stays in use, doctor says so.
    writeFileSync(file, JSON.stringify({ customers: { 'CUST-NEW': { ...validCustomer, vatPct: 19 } } }));
    const state = await pollUntil(
      () => system.relay.customerDirectory.state().rejectedEdit && system.relay.customerDirectory.state(),
      { what: 'the invalid edit to be seen', ...watching },
    );
    assert.ok(
      state.rejectedEdit?.problems.some((p) => p.startsWith('customers.CUST-NEW.vatPct')),
      JSON.stringify(state),
    );
    const failed = await doctorCustomers();
    assert.equal(failed.status, 'fail');
    assert.match(
      failed.detail,
      /is invalid and was not taken: customers\.CUST-NEW\.vatPct.*still uses the last good directory/,
    );
    const another = sampleOrder({ supplier_customer_number: 'CUST-001' });
    assert.equal((await deliverOrder(system.baseUrl, another)).status, 200, 'CUST-001 is still known');
    assert.equal(
      (await deliverOrder(system.baseUrl, sampleOrder({ supplier_customer_number: 'CUST-NEW' }))).status,
      200,
      'CUST-NEW is still known',
    );

    // Fixed: doctor is content again.
    writeFileSync(file, JSON.stringify(withNew, null, 2));
    await pollUntil(() => !system.relay.customerDirectory.state().rejectedEdit, {
      what: 'the fixed file to be taken',
      ...watching,
    });
    assert.equal((await doctorCustomers()).status, 'ok');
  });
});
