// Hostile bodies at the Apicbase webhook (issue 24.1): in every signature form, before and after a
// valid delivery (which once taught `auto` the Python form, after which a 1 MB body with a wrong
// signature was re-serialised before the sender was known), the work done before authentication is
// bounded: the relay's own counter order_relay_webhook_preauth_work_bytes_total shows, per request, at
// most PYTHON_FORM_MAX_BYTES re-serialised and only HMACs beyond that. The bound is read from what the
// relay counts, never from wall-clock time. No input crashes the server: every answer is a 4xx it
// means, and /healthz answers after each one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import {
  PYTHON_FORM_MAX_BYTES,
  pythonJsonDumps,
  signApicbasePayload,
  type SignatureFormSetting,
} from '../src/ingress/apicbase-signature';
import { deepBody } from '../scripts/bench/wrong-signature';
import { metricValue, postRaw } from './helpers/ingress';
import { sampleOrder } from './helpers/sample-order';
import { TEST_WEBHOOK_SECRET, useTestSystem } from './helpers/system';
import { deliverOrder } from './helpers/webhook';

const PATH = '/webhooks/apicbase/orders';
const PREVIOUS_SECRET = 'hostile-previous-secret';
const SECRETS = 2;
const RUNS = Number(process.env.PROPERTY_RUNS ?? 20);
const WORK = 'order_relay_webhook_preauth_work_bytes_total';

// ---- hostile bodies -------------------------------------------------------------------------------

/** `[{"a":0},…]` of about `bytes` bytes: the reproduction's body (cheap to read, costly to re-serialise). */
const manySmallObjects = (bytes: number) =>
  Buffer.from(`[${Array.from({ length: Math.max(1, Math.floor(bytes / 9)) }, () => '{"a":0}').join(',')}]`);
/** A JSON string of exactly `bytes` bytes, full of what the Python form re-spells. */
const exactly = (bytes: number) => {
  const filler = '\\u00e8'.repeat(Math.floor((bytes - 2) / 6));
  return Buffer.from(`"${filler}${' '.repeat(bytes - 2 - filler.length)}"`);
};

/** A body as fast-check prints it in a counterexample: its size and first bytes, never a megabyte of it. */
const described = (body: Buffer): Buffer =>
  Object.assign(body, {
    [fc.toStringMethod]: () => `<${body.length} bytes: ${JSON.stringify(body.subarray(0, 60).toString('latin1'))}…>`,
  });

const bodyShapes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.json({ maxDepth: 6 }).map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes)),
  fc.integer({ min: 1_000, max: 900_000 }).map(manySmallObjects),
  fc.integer({ min: 1, max: 900 }).map((depth) => Buffer.from(`${'{"a":['.repeat(depth)}1.0${']}'.repeat(depth)}`)),
  fc.constantFrom(PYTHON_FORM_MAX_BYTES - 1, PYTHON_FORM_MAX_BYTES, PYTHON_FORM_MAX_BYTES + 1).map(exactly),
  fc.constant(0).map(() => deepBody(900_000, 990)),
  // A large order, signed in any form: for a customer location not set up, so never started.
  fc
    .constant(0)
    .map(() =>
      Buffer.from(
        JSON.stringify(
          sampleOrder({ supplier_customer_number: 'CUST-NOT-SET-UP', order_remarks: 'é'.repeat(100_000) }),
        ),
      ),
    ),
);
const bodies = bodyShapes.map(described);

/** A well-formed signature for a body Python could not have parsed (so could not have signed). */
const UNPARSABLE = 'cd'.repeat(32);

type Signature = 'wrong' | 'missing' | 'malformed' | 'raw' | 'python' | 'previous-python';
const signatures: fc.Arbitrary<Signature> = fc.constantFrom(
  'wrong',
  'missing',
  'malformed',
  'raw',
  'python',
  'previous-python',
);

/** The signature header for `body` (undefined: none); the Python forms only where Python could parse it. */
function signatureFor(kind: Signature, body: Buffer): string | undefined {
  const python = (secret: string) => {
    try {
      return signApicbasePayload(
        secret,
        pythonJsonDumps(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body)),
      );
    } catch {
      return UNPARSABLE;
    }
  };
  switch (kind) {
    case 'wrong':
      return 'ab'.repeat(32);
    case 'missing':
      return undefined;
    case 'malformed':
      return 'not-a-signature';
    case 'raw':
      return signApicbasePayload(TEST_WEBHOOK_SECRET, body);
    case 'python':
      return python(TEST_WEBHOOK_SECRET);
    case 'previous-python':
      return python(PREVIOUS_SECRET);
  }
}

// ---- the runs -------------------------------------------------------------------------------------

interface Scenario {
  form: SignatureFormSetting;
  /** A valid delivery in this form comes first (what `auto` once learned from). */
  deliveredFirst?: 'raw' | 'python';
}

const SCENARIOS: Scenario[] = [
  { form: 'auto' },
  { form: 'auto', deliveredFirst: 'python' },
  { form: 'auto', deliveredFirst: 'raw' },
  { form: 'raw' },
  { form: 'raw', deliveredFirst: 'raw' },
  { form: 'python' },
  { form: 'python', deliveredFirst: 'python' },
];

void describe('hostile bodies at the Apicbase webhook: bounded work before the signature is known', () => {
  const system = useTestSystem({ APICBASE_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET, TRACK_POLL_SCHEDULE: '1h' });

  const work = async () => ({
    hmac: await metricValue(system.baseUrl, WORK, { work: 'hmac' }),
    python: await metricValue(system.baseUrl, WORK, { work: 'python-form' }),
  });

  for (const scenario of SCENARIOS) {
    const name = `${scenario.form}${scenario.deliveredFirst ? `, after a valid ${scenario.deliveredFirst}-form delivery` : ', before any delivery'}`;
    void it(`${name}: at most ${PYTHON_FORM_MAX_BYTES} bytes re-serialised per request, HMACs beyond; every answer a 4xx; /healthz answers`, async () => {
      await system.restartRelay({
        APICBASE_SIGNATURE_FORM: scenario.form,
        APICBASE_WEBHOOK_SECRET_PREVIOUS: PREVIOUS_SECRET,
      });
      if (scenario.deliveredFirst) {
        const res = await deliverOrder(system.baseUrl, sampleOrder(), { form: scenario.deliveredFirst });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }

      await fc.assert(
        fc.asyncProperty(bodies, signatures, async (body, kind) => {
          const signature = signatureFor(kind, body);
          const before = await work();
          const res = await postRaw(system.baseUrl, PATH, body, {
            'content-type': 'application/json',
            ...(signature !== undefined ? { 'x-apic-webhook-signature': signature } : {}),
          });
          const spent = await work();
          const reserialised = spent.python - before.python;
          const hashed = spent.hmac - before.hmac;

          // Never a crash, never a start: none of these bodies is an order for a known customer.
          assert.ok(
            [400, 403, 422].includes(res.status),
            `${res.status} for a ${body.length}-byte body (${kind}): ${res.text.slice(0, 200)}`,
          );
          assert.equal((await fetch(`${system.baseUrl}/healthz`)).status, 200);

          // The bound, as the relay counted it.
          assert.ok(
            reserialised <= PYTHON_FORM_MAX_BYTES,
            `${reserialised} bytes re-serialised before the signature was known (${body.length}-byte body, ${kind})`,
          );
          if (body.length > PYTHON_FORM_MAX_BYTES)
            assert.equal(reserialised, 0, `a ${body.length}-byte body was re-serialised`);
          if (scenario.form === 'raw') assert.equal(reserialised, 0, 'the raw form never re-serialises');
          // HMACs: the raw bytes and (small bodies only) the Python form, once per secret at most.
          const pythonFormBytes = Math.min(body.length, PYTHON_FORM_MAX_BYTES) * 6; // \uXXXX for a byte at most
          assert.ok(
            hashed <= SECRETS * (body.length + pythonFormBytes),
            `${hashed} bytes hashed for a ${body.length}-byte body`,
          );
          if (kind === 'missing' || kind === 'malformed')
            assert.equal(hashed + reserialised, 0, 'no signature to check: no work');
          else if (scenario.form !== 'python')
            assert.ok(hashed >= body.length, `the raw HMAC is computed first (${hashed} bytes hashed)`);

          // What is taken: the raw form where checked; the Python form only for small bodies (a body
          // whose Python form is its own bytes has one signature for both).
          const rawChecked = scenario.form !== 'python';
          const pythonChecked = scenario.form !== 'raw' && body.length <= PYTHON_FORM_MAX_BYTES;
          const rawSignatures = [signatureFor('raw', body), signApicbasePayload(PREVIOUS_SECRET, body)];
          const pythonSignatures = [signatureFor('python', body), signatureFor('previous-python', body)].filter(
            (sig) => sig !== UNPARSABLE,
          );
          const accepted =
            signature !== undefined &&
            ((rawChecked && rawSignatures.includes(signature)) ||
              (pythonChecked && pythonSignatures.includes(signature)));
          if (accepted)
            assert.notEqual(res.status, 403, `${kind}-signed ${body.length}-byte body under ${scenario.form}`);
          else
            assert.equal(
              res.status,
              403,
              `${kind}-signed ${body.length}-byte body under ${scenario.form}: ${res.text.slice(0, 200)}`,
            );
        }),
        { numRuns: RUNS },
      );
    });
  }
});
