// Apicbase webhook signatures. The reference for the "Python form" is the real python3, not our
// reading of its docs: every expected value below that involves json.dumps is computed by CPython.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { loadConfig } from '../src/config';
import {
  PYTHON_FORM_MAX_BYTES,
  pythonJsonDumps,
  signApicbasePayload,
  signatureFormsFor,
  verifyApicbaseSignature,
} from '../src/ingress/apicbase-signature';

// ---- python3 oracle: one process per call, inputs as a JSON array on stdin --------------------

const PY_DUMPS = `
import json, sys
out = []
for text in json.loads(sys.stdin.buffer.read().decode("utf-8")):
    try:
        out.append(json.dumps(json.loads(text)))
    except (ValueError, RecursionError):
        out.append(None)
sys.stdout.write(json.dumps(out))
`;

const PY_SIGN = `
import hmac, json, sys
out = []
for case in json.loads(sys.stdin.buffer.read().decode("utf-8")):
    key, body = case["secret"].encode(), case["body"]
    out.append({
        "raw": hmac.new(key, body.encode("utf-8"), "sha256").hexdigest(),
        # What the vendor's sample does with request.data:
        "python": hmac.new(key, json.dumps(json.loads(body)).encode(), "sha256").hexdigest(),
    })
sys.stdout.write(json.dumps(out))
`;

function runPython<T>(script: string, input: unknown): T {
  // JSON.stringify escapes lone surrogates, so the UTF-8 on the pipe is always well-formed.
  const stdout = execFileSync('python3', ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout) as T;
}

/** python3's json.dumps(json.loads(text)) for each text, or null where Python rejects it. */
function pythonDumpsAll(texts: string[]): (string | null)[] {
  return runPython<(string | null)[]>(PY_DUMPS, texts);
}

/** Every character outside printable ASCII as \\uXXXX, so a failing input can be read and copied. */
function visible(text: string): string {
  return text.replace(/[^ -~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function ours(text: string): string | null {
  try {
    return pythonJsonDumps(text);
  } catch {
    return null;
  }
}

/**
 * Property: pythonJsonDumps agrees with python3 (same output, or both reject). The samples are
 * sent to python3 in one batch; fc.assert then replays the same seed, so only shrinking (after a
 * failure) ever needs another python3 call.
 */
function assertMatchesPython(arb: fc.Arbitrary<string>, numRuns = 200): void {
  const seed = Math.floor(Math.random() * 0x7fffffff);
  const samples = fc.sample(arb, { seed, numRuns });
  const oracle = new Map<string, string | null>();
  pythonDumpsAll(samples).forEach((expected, i) => oracle.set(samples[i] ?? '', expected));
  fc.assert(
    fc.property(arb, (text) => {
      if (!oracle.has(text)) oracle.set(text, pythonDumpsAll([text])[0] ?? null);
      assert.equal(ours(text), oracle.get(text), `input: ${visible(text)}`);
    }),
    { seed, numRuns, includeErrorInReport: true },
  );
}

// ---- fixtures -------------------------------------------------------------------------------

const ORDER = `{
  "id": "po-42", "order_number": "PO-2024-0042", "status": "ORDERED",
  "ordered_on": "2024-05-01T09:30:00+02:00", "owned_by": {"username": "chef\\u00e9"},
  "order_remarks": "Bitte \\"vorsichtig\\" liefern\\nDanke / Merci",
  "packages": [
    {"stock_item": {"name": "Crème fraîche"}, "supplier_package": {"supplier_article_number": "CF-1", "theoretical_price_per_package": "3.10"}, "quantity_ordered": 2, "total_theoretical_price": "6.20"},
    {"stock_item": {"name": "Weißwurst"}, "supplier_package": {"supplier_article_number": "WW-7", "theoretical_price_per_package": "8.00"}, "quantity_ordered": 1, "total_theoretical_price": "8.00"},
    {"stock_item": {"name": "🍣 寿司"}, "supplier_package": {"supplier_article_number": "SU-3", "theoretical_price_per_package": "12.5"}, "quantity_ordered": 3, "total_theoretical_price": "37.50"}
  ],
  "expected_delivery_date": null, "theoretical_price": "51.70", "supplier_customer_number": "C-001"
}`;

const VECTORS = [
  ORDER,
  '{"name":"Crème fraîche","other":"Weißwurst","fish":"🍣","kanji":"寿司"}',
  '{"10": "ten", "2": "two", "b": {"1": [], "0": {}}, "a": 1}', // integer-like keys keep their order
  '[1.0, 1e-7, 1e16, 0.1, 1E+2, -0.0, 0.0001, 0.00001, 1e15, 1234567.125, 5e-324, 1.7976931348623157e308]',
  '[123456789012345678901234567890, -0, -98765432109876543210, 0, 9007199254740993]',
  '"quote \\" backslash \\\\ slash \\/ / \\b\\f\\n\\r\\t \\u0000 \\u001F \\u007f del\u007f \\u00E9 \\ud83c\\udf63 \\ud800 lone"',
  '{"a": {}, "b": [], "c": [[], [{}]], "d": ""}',
  ' \t\n\r{ "x" :\n[ 1 ,2\t] }\r\n',
  '{"a": 1, "b": 2, "a": 3}', // duplicate key: first position, last value
  '[1e400, -1e400, 1e-400, -1e-400, NaN, Infinity, -Infinity]',
  'null',
  'true',
  '"top-level string"',
  '-12.5e-3',
];

const MALFORMED = [
  '',
  '   ',
  '[1,]',
  '{"a":1,}',
  '{a:1}',
  "{'a':1}",
  '01',
  '1.',
  '.5',
  '1e',
  '+1',
  '- 1',
  '--1',
  '[1] x',
  '1 2',
  '"abc',
  '"tab\there"',
  '"\u0001t"', // a raw control character, even one followed by an escape letter
  '"\\x"',
  '"\\u12"',
  '"\\u12g4"',
  '[',
  '{"a" 1}',
  '{"a":1 "b":2}',
  'nul',
  'True',
  'infinity',
  '\ufeff[1]', // BOM: Python's json.loads refuses it
  '\u00a0[1]', // non-JSON whitespace
  '1'.repeat(4301), // over Python's int_max_str_digits
  '['.repeat(2000) + ']'.repeat(2000), // deeper than Python's recursion limit
];

const SECRET = 'current-client-secret';
const PREVIOUS = 'previous-client-secret';

// JSON text built token by token, so it holds spellings JSON.stringify never produces.
const wsArb = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 2 });
const digitsArb = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const numberArb = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '-'),
      fc.oneof(
        fc.constant('0'),
        fc.tuple(fc.constantFrom(...'123456789'), digitsArb(0, 30)).map(([a, b]) => a + b),
      ),
      fc.option(
        digitsArb(1, 20).map((d) => `.${d}`),
        { nil: '' },
      ),
      fc.option(
        fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digitsArb(1, 3)).map((p) => p.join('')),
        { nil: '' },
      ),
    )
    .map((p) => p.join('')),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => d.toExponential()),
  fc.constantFrom('1.0', '1e16', '1e-7', '0.1', '-0.0', '1e400', 'NaN', 'Infinity', '-Infinity'),
);
const hex4 = (code: number) => code.toString(16).padStart(4, '0');
const stringArb = fc
  .array(
    fc.oneof(
      // A literal character: printable ASCII, DEL, BMP or astral; never a control char, '"' or '\'.
      fc
        .oneof(
          fc.integer({ min: 0x20, max: 0x7f }),
          fc.integer({ min: 0x80, max: 0xd7ff }),
          fc.integer({ min: 0xe000, max: 0x10ffff }),
        )
        .filter((c) => c !== 0x22 && c !== 0x5c)
        .map((c) => String.fromCodePoint(c)),
      fc.constantFrom('\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t'),
      fc
        .tuple(fc.integer({ min: 0, max: 0xffff }), fc.boolean())
        .map(([c, upper]) => `\\u${upper ? hex4(c).toUpperCase() : hex4(c)}`),
      fc.constantFrom('Crème fraîche', 'Weißwurst', '🍣', '寿司', '\\ud83c\\udf63'),
    ),
    { maxLength: 6 },
  )
  .map((parts) => `"${parts.join('')}"`);
// A small pool of keys so objects often repeat one, including spelled differently ("a" vs "\u0061").
const keyArb = fc.oneof(
  stringArb,
  fc.constantFrom('"a"', '"\\u0061"', '"b"', '"1"', '"10"', '"2"', '"é"', '"\\u00e9"'),
);
const { value: jsonTextArb } = fc.letrec((tie) => ({
  value: fc
    .tuple(
      wsArb,
      fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('null', 'true', 'false'),
        numberArb,
        stringArb,
        tie('array'),
        tie('object'),
      ),
      wsArb,
    )
    .map((p) => p.join('')),
  array: fc
    .tuple(wsArb, fc.array(tie('value'), { maxLength: 4 }))
    .map(([ws, items]) => (items.length ? `[${items.join(',')}]` : `[${ws}]`)),
  object: fc
    .tuple(wsArb, fc.array(fc.tuple(wsArb, keyArb, wsArb, tie('value')), { maxLength: 4 }))
    .map(([ws, entries]) =>
      entries.length ? `{${entries.map(([a, key, b, value]) => `${a}${key}${b}:${value}`).join(',')}}` : `{${ws}}`,
    ),
})) as { value: fc.Arbitrary<string> };

// ---- pythonJsonDumps --------------------------------------------------------------------------

void describe('pythonJsonDumps', () => {
  void it('reproduces python3 json.dumps(json.loads(...)) on known bodies', () => {
    const expected = pythonDumpsAll(VECTORS);
    VECTORS.forEach((text, i) => {
      assert.notEqual(expected[i], null, `python3 rejected vector ${i}`);
      assert.equal(pythonJsonDumps(text), expected[i], `vector ${i}: ${text}`);
    });
  });

  void it('prints a few things the way Python does (readable examples)', () => {
    assert.equal(
      pythonJsonDumps('{"b":1,"10":[1.0,1e16,1e-7],"a":"é🍣"}'),
      '{"b": 1, "10": [1.0, 1e+16, 1e-07], "a": "\\u00e9\\ud83c\\udf63"}',
    );
    assert.equal(pythonJsonDumps('{"a":1,"b":2,"a":3}'), '{"a": 3, "b": 2}');
    assert.equal(pythonJsonDumps('"\u007f/\\/"'), '"\\u007f//"');
  });

  void it('rejects exactly what python3 rejects, with a clear error', () => {
    const expected = pythonDumpsAll(MALFORMED);
    MALFORMED.forEach((text, i) => {
      assert.equal(expected[i], null, `python3 accepted malformed case ${i}`);
      assert.throws(
        () => pythonJsonDumps(text),
        /Invalid JSON at position \d+|Python's 4300-digit limit|nested deeper/,
        `case ${i}`,
      );
    });
  });

  void it('matches python3 on random JSON values serialised by JSON.stringify (property)', () => {
    const arb = fc
      .tuple(fc.jsonValue({ stringUnit: 'binary' }), fc.constantFrom(undefined, 0, 1, 2, '\t', ' \r\n'))
      .map(([value, indent]) => JSON.stringify(value, null, indent));
    assertMatchesPython(arb);
  });

  void it('matches python3 on hand-built JSON text: float spellings, big ints, escapes, duplicate keys (property)', () => {
    assertMatchesPython(jsonTextArb);
  });

  void it('agrees with python3 on one-character corruptions of valid JSON (property)', () => {
    const op = fc.constantFrom('delete', 'insert', 'replace');
    const char = fc.constantFrom(...'{}[],:"\\ 0-.eE+1uatfnN\u00e9\u0001');
    const arb = fc.tuple(jsonTextArb, fc.nat(), op, char).map(([text, n, what, c]) => {
      const at = n % (text.length + 1);
      if (what === 'delete') return text.slice(0, at) + text.slice(at + 1);
      if (what === 'insert') return text.slice(0, at) + c + text.slice(at);
      return text.slice(0, at) + c + text.slice(at + 1);
    });
    assertMatchesPython(arb);
  });
});

// ---- signatures -------------------------------------------------------------------------------

void describe('signApicbasePayload', () => {
  void it('matches python3 hmac over the raw bytes and over the json.dumps form', () => {
    const cases = VECTORS.map((body) => ({ secret: SECRET, body }));
    const expected = runPython<{ raw: string; python: string }[]>(PY_SIGN, cases);
    VECTORS.forEach((body, i) => {
      assert.equal(signApicbasePayload(SECRET, Buffer.from(body, 'utf8')), expected[i]?.raw, `raw ${i}`);
      assert.equal(signApicbasePayload(SECRET, pythonJsonDumps(body)), expected[i]?.python, `python ${i}`);
    });
  });
});

void describe('verifyApicbaseSignature', () => {
  const rawBody = Buffer.from(ORDER, 'utf8');
  const secrets = [SECRET, PREVIOUS];
  const verify = (signature: string | undefined, body = rawBody) =>
    verifyApicbaseSignature({ rawBody: body, signature, secrets });
  const [pySigned] = runPython<{ raw: string; python: string }[]>(PY_SIGN, [{ secret: SECRET, body: ORDER }]);
  const pythonSignature = pySigned?.python ?? '';

  void it('accepts a signature over the raw body', () => {
    assert.deepEqual(verify(signApicbasePayload(SECRET, rawBody)), { ok: true, matched: 'raw', secretIndex: 0 });
  });

  void it("accepts the signature python3 computes the way the vendor's sample does", () => {
    assert.notEqual(pythonSignature, signApicbasePayload(SECRET, rawBody)); // the two forms really differ here
    assert.deepEqual(verify(pythonSignature), { ok: true, matched: 'python', secretIndex: 0 });
  });

  void it('accepts upper-case hex', () => {
    assert.deepEqual(verify(pythonSignature.toUpperCase()), { ok: true, matched: 'python', secretIndex: 0 });
  });

  void it('accepts the previous secret during rotation, and reports which one matched', () => {
    assert.deepEqual(verify(signApicbasePayload(PREVIOUS, rawBody)), { ok: true, matched: 'raw', secretIndex: 1 });
    assert.deepEqual(verify(signApicbasePayload(PREVIOUS, pythonJsonDumps(ORDER))), {
      ok: true,
      matched: 'python',
      secretIndex: 1,
    });
  });

  void it('rejects a missing signature', () => {
    assert.deepEqual(verify(undefined), { ok: false, reason: 'missing' });
    assert.deepEqual(verify(''), { ok: false, reason: 'missing' });
  });

  void it('rejects truncated, over-long, non-hex and prefixed signatures as malformed', () => {
    const good = signApicbasePayload(SECRET, rawBody);
    for (const bad of [
      good.slice(0, 63),
      good.slice(0, 32),
      `${good}0`,
      `${good.slice(0, 63)}g`,
      `sha256=${good}`,
      ` ${good}`,
      good.replace(/./g, 'z'),
    ]) {
      assert.deepEqual(verify(bad), { ok: false, reason: 'malformed' }, bad);
    }
  });

  void it('rejects a wrong signature and one made with another secret', () => {
    assert.deepEqual(verify('0'.repeat(64)), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verify(signApicbasePayload('someone-else', rawBody)), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verify(signApicbasePayload('someone-else', pythonJsonDumps(ORDER))), {
      ok: false,
      reason: 'mismatch',
    });
  });

  void it('rejects a body changed by one byte, whichever form was signed', () => {
    const mutated = Buffer.from(rawBody);
    const at = rawBody.indexOf('"quantity_ordered": 2') + '"quantity_ordered": '.length;
    mutated[at] = '3'.charCodeAt(0);
    assert.deepEqual(verify(signApicbasePayload(SECRET, rawBody), mutated), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verify(pythonSignature, mutated), { ok: false, reason: 'mismatch' });
  });

  void it('accepts a python-form signature when only insignificant whitespace changed (by design)', () => {
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(ORDER)), 'utf8'); // same keys, order and values here
    assert.deepEqual(verify(pythonSignature, reformatted), { ok: true, matched: 'python', secretIndex: 0 });
    assert.deepEqual(verify(signApicbasePayload(SECRET, rawBody), reformatted), { ok: false, reason: 'mismatch' });
  });

  void it('handles bodies that are not JSON: raw signature still works, anything else is a mismatch', () => {
    for (const body of [
      Buffer.from('not json'),
      Buffer.from([0xff, 0xfe, 0x7b]),
      Buffer.from('\ufeff{}'),
      Buffer.alloc(0),
    ]) {
      assert.deepEqual(verify(signApicbasePayload(SECRET, body), body), { ok: true, matched: 'raw', secretIndex: 0 });
      assert.deepEqual(verify('a'.repeat(64), body), { ok: false, reason: 'mismatch' });
    }
  });

  void it('does not canonicalise a body Python could not have parsed (UTF-8 BOM, invalid UTF-8)', () => {
    const withBom = Buffer.from('\ufeff{}', 'utf8');
    assert.deepEqual(verify(signApicbasePayload(SECRET, '{}'), withBom), { ok: false, reason: 'mismatch' });
    const invalidUtf8 = Buffer.from([0x22, 0xff, 0x22]); // "<0xff>": no lenient decoding into "\ufffd"
    assert.deepEqual(verify(signApicbasePayload(SECRET, '"\\ufffd"'), invalidUtf8), { ok: false, reason: 'mismatch' });
  });

  void it('refuses to run without a usable secret', () => {
    assert.throws(
      () => verifyApicbaseSignature({ rawBody, signature: 'a'.repeat(64), secrets: [] }),
      /non-empty secret/,
    );
    assert.throws(
      () => verifyApicbaseSignature({ rawBody, signature: 'a'.repeat(64), secrets: [SECRET, ''] }),
      /non-empty secret/,
    );
  });
});

// ---- APICBASE_SIGNATURE_FORM: which forms are computed before the sender is known -------------------

/** A JSON object of about `bytes` bytes, nested `depth` deep, whose Python form differs from its bytes. */
function bigNestedBody(bytes: number, depth: number): string {
  const filler = JSON.stringify({ note: 'x'.repeat(Math.max(0, bytes - depth * 8 - 40)), price: 1.0 }).replace(
    '1}',
    '1.0}',
  );
  return '{"a":'.repeat(depth) + filler + '}'.repeat(depth);
}

void describe('APICBASE_SIGNATURE_FORM', () => {
  const small = Buffer.from(ORDER, 'utf8');
  const large = Buffer.from(bigNestedBody(PYTHON_FORM_MAX_BYTES * 4, 900), 'utf8');
  const signed = (body: Buffer, form: 'raw' | 'python') =>
    signApicbasePayload(SECRET, form === 'raw' ? body : pythonJsonDumps(body.toString('utf8')));
  /** The check's outcome and the bytes it re-serialised before knowing the sender. */
  const check = (setting: 'auto' | 'raw' | 'python', body: Buffer, form: 'raw' | 'python') => {
    let reserialised = 0;
    const result = verifyApicbaseSignature({
      rawBody: body,
      signature: signed(body, form),
      secrets: [SECRET],
      forms: signatureFormsFor(setting),
      onWork: (work, bytes) => (reserialised += work === 'python-form' ? bytes : 0),
    });
    return { outcome: result.ok ? result.matched : result.reason, reserialised };
  };

  void it('is a setting: auto by default, raw or python, anything else a configuration error', () => {
    assert.equal(loadConfig({}).APICBASE_SIGNATURE_FORM, 'auto');
    assert.equal(loadConfig({ APICBASE_SIGNATURE_FORM: 'python' }).APICBASE_SIGNATURE_FORM, 'python');
    assert.throws(() => loadConfig({ APICBASE_SIGNATURE_FORM: 'both' }), /APICBASE_SIGNATURE_FORM/);
  });

  void it('the large test body really has two different forms, and python3 agrees with ours on it (900 levels deep)', () => {
    const text = large.toString('utf8');
    const ours = pythonJsonDumps(text);
    assert.ok(ours !== text, 'the python form differs from the bytes');
    assert.ok(ours === pythonDumpsAll([text])[0], 'python3 prints the same (the texts are too large to show)');
  });

  void it('raw and python check exactly their form; the python form only up to PYTHON_FORM_MAX_BYTES', () => {
    for (const body of [small, large]) {
      assert.deepEqual(check('raw', body, 'raw'), { outcome: 'raw', reserialised: 0 });
      assert.deepEqual(check('raw', body, 'python'), { outcome: 'mismatch', reserialised: 0 });
      assert.equal(check('python', body, 'raw').outcome, 'mismatch');
    }
    assert.deepEqual(check('python', small, 'python'), { outcome: 'python', reserialised: small.length });
    assert.deepEqual(
      check('python', large, 'python'),
      { outcome: 'mismatch', reserialised: 0 },
      'a body over the cap is not re-serialised, even correctly signed',
    );
  });

  void it('auto: raw first, then the python form for small bodies only; nothing a valid delivery did changes that (issue 24.1)', () => {
    assert.deepEqual(signatureFormsFor('auto'), ['raw', 'python']);
    assert.deepEqual(
      check('auto', small, 'raw'),
      { outcome: 'raw', reserialised: 0 },
      'a raw-signed body costs no re-serialisation',
    );
    assert.deepEqual(check('auto', small, 'python'), { outcome: 'python', reserialised: small.length });
    // What used to teach `auto` the python form: the same small python-signed body again, then large ones.
    assert.deepEqual(
      check('auto', large, 'python'),
      { outcome: 'mismatch', reserialised: 0 },
      'a large body with a wrong (or python) signature costs HMACs only',
    );
    assert.deepEqual(check('auto', large, 'raw'), { outcome: 'raw', reserialised: 0 });
    // The order asked for does not matter: raw is checked first.
    const hmacs: number[] = [];
    const result = verifyApicbaseSignature({
      rawBody: small,
      signature: signed(small, 'raw'),
      secrets: [SECRET],
      forms: ['python', 'raw'],
      onWork: (work, bytes) =>
        work === 'hmac' ? hmacs.push(bytes) : assert.fail('re-serialised before the raw check'),
    });
    assert.equal(result.ok && result.matched, 'raw');
    assert.deepEqual(hmacs, [small.length]);
  });
});
