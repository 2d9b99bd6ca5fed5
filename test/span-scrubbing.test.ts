// What a span may carry when it leaves the process (src/observability/span-scrubbing.ts), on spans as
// the SDK hands them to a span processor: the secret parts of configured URLs (a path, a query, a
// password), configured secrets anywhere, and error texts are withheld; what a trace is read for stays.
// The end-to-end proof, over a real OTLP receiver, is test/tracing.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanScrubber, WITHHELD, WITHHELD_ERROR_TEXT, secretTexts } from '../src/observability/span-scrubbing';

const SLACK = 'https://hooks.slack.com/services/T0AAAA/B0BBBB/xoxSecretPathToken';
const SMTP = 'smtps://mailer:p%40ss-w0rd-smtp@mail.example:465';
const DATABASE = 'postgres://relay:db-pass-9f2c@db.example:5432/order_relay?sslmode=require';
const TOKEN = 'channel-token-0123456789abcdef';

/** A finished span as a processor's onEnd receives it. */
function spanWith(fields: {
  name?: string;
  attributes?: Record<string, unknown>;
  message?: string;
  events?: ReadableSpan['events'];
}): ReadableSpan {
  return {
    name: fields.name ?? 'POST',
    attributes: { ...(fields.attributes ?? {}) },
    status: { code: fields.message ? 2 : 0, ...(fields.message ? { message: fields.message } : {}) },
    events: fields.events ?? [],
  } as unknown as ReadableSpan;
}

void describe('span scrubbing', () => {
  const scrubber = new SpanScrubber();
  scrubber.withhold([SLACK, SMTP, DATABASE, TOKEN, undefined, '']);

  void it('the secret parts of a URL: its whole path, its query and its password (raw and decoded); a plain secret as it is', () => {
    assert.deepEqual(secretTexts(SLACK), ['services/T0AAAA/B0BBBB/xoxSecretPathToken']);
    assert.deepEqual(secretTexts(SMTP), ['p%40ss-w0rd-smtp', 'p@ss-w0rd-smtp']);
    assert.deepEqual(secretTexts(DATABASE), ['order_relay', '?sslmode=require', 'db-pass-9f2c']);
    assert.deepEqual(secretTexts(TOKEN), [TOKEN]);
    assert.deepEqual(secretTexts(undefined), []);
  });

  void it("an HTTP client span keeps the host it called, never a secret URL's path or query", () => {
    const span = spanWith({
      attributes: {
        'url.full': `${SLACK}?x=1`,
        'url.path': new URL(SLACK).pathname,
        'url.query': 'x=1',
        'http.target': `${new URL(SLACK).pathname}?token=${TOKEN}`,
        'server.address': 'hooks.slack.com',
        'http.request.method': 'POST',
      },
    });
    scrubber.scrub(span);
    assert.deepEqual(span.attributes, {
      'url.full': `https://hooks.slack.com/${WITHHELD}`,
      'url.path': `/${WITHHELD}`,
      'http.target': `/${WITHHELD}`,
      'server.address': 'hooks.slack.com',
      'http.request.method': 'POST',
    });
  });

  void it('a configured secret is withheld from every attribute, array values and the span name included', () => {
    const span = spanWith({
      name: `call ${TOKEN}`,
      attributes: { note: `token ${TOKEN} and password p@ss-w0rd-smtp`, list: [`a ${TOKEN}`, 3] },
    });
    scrubber.scrub(span);
    assert.equal(span.name, `call ${WITHHELD}`);
    assert.deepEqual(span.attributes, {
      note: `token ${WITHHELD} and password ${WITHHELD}`,
      list: [`a ${WITHHELD}`, 3],
    });
  });

  void it("an error's text is withheld from the status and the exception event; its type and stack frames stay", () => {
    const quoted = 'Lieferung an Jürgen Bäcker, Müllerstraße 12a nicht möglich';
    const stack = [
      `ApplicationFailure: ${quoted}`,
      '    at Object.injectOrder (/app/activities/inject-order.ts:42:11)',
      '    at async Activity.execute (file:///app/node_modules/@temporalio/worker/lib/activity.js:97:20)',
      '    at Jürgen Bäcker, Müllerstraße 12a',
    ].join('\n');
    const span = spanWith({
      message: quoted,
      events: [
        {
          name: 'exception',
          time: [0, 0],
          attributes: {
            'exception.type': 'ApplicationFailure',
            'exception.message': quoted,
            'exception.stacktrace': stack,
          },
        },
      ],
    });
    scrubber.scrub(span);
    assert.equal(span.status.message, WITHHELD_ERROR_TEXT);
    assert.equal(span.status.code, 2, 'still an error');
    assert.deepEqual(span.events[0]!.attributes, {
      'exception.type': 'ApplicationFailure',
      'exception.message': WITHHELD_ERROR_TEXT,
      'exception.stacktrace': [
        '    at Object.injectOrder (/app/activities/inject-order.ts:42:11)',
        '    at async Activity.execute (file:///app/node_modules/@temporalio/worker/lib/activity.js:97:20)',
      ].join('\n'),
    });
  });

  void it('a span without an error keeps its status as it was', () => {
    const span = spanWith({ attributes: { 'http.response.status_code': 200 } });
    scrubber.scrub(span);
    assert.deepEqual(span.status, { code: 0 });
    assert.deepEqual(span.attributes, { 'http.response.status_code': 200 });
  });
});
