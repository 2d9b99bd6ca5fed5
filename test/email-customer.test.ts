// The emailCustomer activity against a real SMTP server on loopback: the customer location's contact
// receives one parsed message with the order number, the reasons and the supplier's contact; a missing
// contact or a permanent refusal is not retried, a temporary one is; no SMTP_URL sends nothing.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEmailCustomerActivities, type CustomerEmailSettings } from '../activities/email-customer';
import { loadConfig } from '../src/config';
import { loadCustomerDirectory } from '../src/customers/directory';
import { runDoctor } from '../src/operations/doctor';
import type { CustomerNotice } from '../workflows/order-status';
import { applicationFailureOf } from './helpers/application-failure';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink';

const customers = loadCustomerDirectory(path.join(__dirname, '..', 'config', 'customers.example.json'));

const notice: CustomerNotice = {
  workflowId: 'apicbase-order-2001',
  apicbaseId: '2001',
  orderNumber: 'PO-2001',
  customerNumber: 'CUST-001',
  reasons: ['article EK99999 is not in our catalogue', 'the expected delivery date is in the past'],
};

let smtp: SmtpSink;
before(async () => {
  smtp = await startSmtpSink();
});
after(() => smtp.close());

function settings(overrides: Partial<CustomerEmailSettings> = {}): CustomerEmailSettings {
  return {
    smtpUrl: smtp.url,
    from: 'Orders <orders@supplier.example>',
    supplierName: 'Frische Feinkost GmbH',
    supplierContact: 'orders@supplier.example, +49 30 555 0100',
    timeoutMs: 10_000,
    ...overrides,
  };
}

void describe('emailCustomer', () => {
  void test("e-mails the customer location's contact: order number, reasons in plain words, the supplier's contact", async () => {
    const before = smtp.received.length;
    await createEmailCustomerActivities({ customers: () => customers, email: settings() }).emailCustomer(notice);
    assert.equal(smtp.received.length, before + 1);
    const { envelopeTo, mail } = smtp.received.at(-1)!;
    assert.deepEqual(envelopeTo, ['kueche@zum-loewen.example']);
    assert.equal(mail.from?.value[0]?.address, 'orders@supplier.example');
    assert.equal(mail.subject, 'Order PO-2001 cannot be fulfilled');
    assert.equal(mail.messageId, '<apicbase-order-2001.not-fulfillable@order-relay>');
    for (const part of [
      'PO-2001',
      'article EK99999 is not in our catalogue',
      'the expected delivery date is in the past',
      'orders@supplier.example, +49 30 555 0100',
      'Frische Feinkost GmbH',
    ]) {
      assert.ok(mail.text?.includes(part), `${part} in ${mail.text}`);
    }
  });

  void test('no SMTP_URL: nothing is sent', async () => {
    const before = smtp.received.length;
    await createEmailCustomerActivities({
      customers: () => customers,
      email: settings({ smtpUrl: undefined }),
    }).emailCustomer(notice);
    await createEmailCustomerActivities({ customers: () => customers }).emailCustomer(notice);
    assert.equal(smtp.received.length, before);
  });

  void test('a customer without contact e-mail: a non-retryable failure naming the customer, nothing sent', async () => {
    const before = smtp.received.length;
    const failure = await applicationFailureOf(
      createEmailCustomerActivities({ customers: () => customers, email: settings() }).emailCustomer({
        ...notice,
        customerNumber: 'CUST-002',
      }),
    );
    assert.equal(failure.type, 'CustomerContactMissing');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /CUST-002/);
    assert.equal(smtp.received.length, before);
  });

  void test('a temporary SMTP refusal (451) is retryable, a permanent one (550) is not', async () => {
    const { emailCustomer } = createEmailCustomerActivities({ customers: () => customers, email: settings() });
    const refusedBefore = smtp.refused;
    try {
      smtp.rejectWith = 451;
      const temporary = await applicationFailureOf(emailCustomer(notice));
      assert.equal(temporary.nonRetryable, false);
      assert.equal(temporary.type, 'CustomerEmailUnavailable');
      smtp.rejectWith = 550;
      const permanent = await applicationFailureOf(emailCustomer(notice));
      assert.equal(permanent.nonRetryable, true);
      assert.equal(permanent.type, 'CustomerEmailRefused');
    } finally {
      smtp.rejectWith = undefined;
    }
    assert.equal(smtp.refused, refusedBefore + 2);
  });

  void test('an SMTP server that is down: retryable, and the error does not carry the SMTP URL', async () => {
    const down = await startSmtpSink();
    await down.close();
    const url = down.url.replace('smtp://', 'smtp://relay-user:relay-password@');
    const failure = await applicationFailureOf(
      createEmailCustomerActivities({ customers: () => customers, email: settings({ smtpUrl: url }) }).emailCustomer(
        notice,
      ),
    );
    assert.equal(failure.nonRetryable, false);
    assert.ok(!failure.message.includes('relay-password'), failure.message);
  });

  void test('doctor says whether customers are e-mailed, without printing the SMTP URL', async () => {
    const doctor = async (env: Record<string, string>) => {
      // Temporal is not part of this check: the doctor reports it unreachable and goes on.
      const report = await runDoctor({
        config: loadConfig(env),
        connect: () => Promise.reject(new Error('not needed here')),
      });
      return report.checks.find((c) => c.name === 'customer e-mail')!;
    };
    const skipped = await doctor({});
    assert.equal(skipped.status, 'skip');
    assert.match(skipped.detail, /SMTP_URL is not set/);
    const set = await doctor({ SMTP_URL: 'smtp://relay-user:relay-password@127.0.0.1:2525' });
    assert.equal(set.status, 'ok');
    assert.ok(!set.detail.includes('relay-password'), set.detail);
  });
});
