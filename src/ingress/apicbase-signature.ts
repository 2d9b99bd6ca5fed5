// Verification of Apicbase's X-APIC-WEBHOOK-SIGNATURE header.
//
// The header is a hex HMAC-SHA256 keyed by the client secret (or a dedicated webhook key). The
// guide says to hash "the raw request data", yet its own Python sample hashes
// `json.dumps(request.data)`: the body parsed and re-serialised with Python's defaults. We cannot
// know which one Apicbase's sender really uses, so a digest of EITHER form is accepted; anything
// else is rejected. Both forms need the secret; the Python form only lets through bodies whose
// bytes differ (whitespace, escapes, number spelling) but which parse to the same value.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const APICBASE_SIGNATURE_HEADER = 'x-apic-webhook-signature';

export type ApicbaseSignatureResult =
  | { ok: true; matched: 'raw' | 'python-json'; secretIndex: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

/** Hex HMAC-SHA256 of `message` (a string is hashed as UTF-8) keyed by `secret`. */
export function signApicbasePayload(secret: string, message: Buffer | string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/**
 * Checks `signature` against every secret (current first, then the one being rotated out), first
 * over the raw bytes and, only if none matched, over `pythonJsonDumps` of the body. Never throws
 * for anything the sender controls; throws only when no usable secret is configured.
 */
export function verifyApicbaseSignature(input: {
  rawBody: Buffer;
  signature: string | undefined;
  secrets: string[];
}): ApicbaseSignatureResult {
  const { rawBody, signature, secrets } = input;
  // An empty key makes every signature forgeable: that is a configuration bug, not a bad request.
  if (secrets.length === 0 || secrets.some((s) => s.length === 0)) {
    throw new Error('Apicbase webhook verification needs at least one non-empty secret');
  }
  if (signature === undefined || signature === '') return { ok: false, reason: 'missing' };
  if (!/^[0-9a-f]{64}$/i.test(signature)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(signature, 'hex');

  // Both sides are 32 bytes, as timingSafeEqual requires, so the comparison itself leaks nothing.
  const matchingSecret = (message: Buffer | string) =>
    secrets.findIndex((secret) => timingSafeEqual(Buffer.from(signApicbasePayload(secret, message), 'hex'), expected));

  const rawIndex = matchingSecret(rawBody);
  if (rawIndex >= 0) return { ok: true, matched: 'raw', secretIndex: rawIndex };

  let canonical: string;
  try {
    // DRF-style frameworks decode the body as UTF-8 before json.loads; invalid UTF-8 or a BOM
    // (which Python's json.loads refuses) means Python could not have produced a signature.
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(rawBody);
    canonical = pythonJsonDumps(text);
  } catch {
    return { ok: false, reason: 'mismatch' };
  }
  const pythonIndex = matchingSecret(canonical);
  if (pythonIndex >= 0) return { ok: true, matched: 'python-json', secretIndex: pythonIndex };
  return { ok: false, reason: 'mismatch' };
}

// ---------------------------------------------------------------------------------------------
// json.dumps(json.loads(raw)) without Python.
//
// JSON.parse cannot be used for the whole document: JS objects move integer-like keys ("10", "2")
// to the front, and numbers lose their spelling (1.0 becomes 1, big ints lose digits). So the raw
// text is scanned token by token and each token is re-emitted the way Python would print it.
// Follows CPython 3.11's json module (the C scanner/encoder), including its non-standard literals
// NaN / Infinity / -Infinity, which json.loads accepts by default.

/** Python's default recursion limit is ~1000; deeper documents make json.loads raise RecursionError. */
const MAX_DEPTH = 1000;
/** sys.get_int_max_str_digits() default (Python 3.11+): longer ints make json.loads raise ValueError. */
const MAX_INT_DIGITS = 4300;

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
const DECODE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Exactly what Python prints for `json.dumps(json.loads(rawJson))` (default arguments). */
export function pythonJsonDumps(rawJson: string): string {
  const text = rawJson;
  let pos = 0;

  const fail = (what: string): never => {
    // Position only: the message must never carry body content into logs.
    throw new SyntaxError(`Invalid JSON at position ${pos}: ${what}`);
  };
  const skipWhitespace = () => {
    // Only the four JSON whitespace characters; Python rejects any other.
    while (pos < text.length && ' \t\n\r'.includes(text[pos] ?? '')) pos++;
  };
  const expect = (char: string, what: string) => {
    if (text[pos] !== char) fail(what);
    pos++;
  };

  /** Decodes a string token; returns the decoded value (for duplicate-key detection). */
  const readString = (): string => {
    pos++; // opening quote
    let out = '';
    for (;;) {
      const start = pos;
      while (pos < text.length && text[pos] !== '"' && text[pos] !== '\\' && text.charCodeAt(pos) >= 0x20) pos++;
      out += text.slice(start, pos);
      if (pos >= text.length) fail('unterminated string');
      const c = text[pos] ?? '';
      if (c === '"') {
        pos++;
        return out;
      }
      if (c !== '\\') fail('control character in string'); // json.loads(strict=True)
      const esc = text[pos + 1] ?? '';
      if (esc === 'u') {
        const hex = text.slice(pos + 2, pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\uXXXX escape');
        // Lone and paired surrogates alike: kept as UTF-16 code units, re-escaped the same way.
        out += String.fromCharCode(parseInt(hex, 16));
        pos += 6;
      } else {
        const decoded = DECODE_ESCAPES[esc];
        if (decoded === undefined) fail('invalid escape');
        out += decoded;
        pos += 2;
      }
    }
  };

  const readNumber = (): string => {
    const match = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
    match.lastIndex = pos;
    const m = match.exec(text);
    if (!m) return fail('expecting value');
    pos += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      // A Python int: printed with exactly its digits, whatever the size; "-0" becomes "0".
      const digits = m[0].replace('-', '');
      if (digits.length > MAX_INT_DIGITS) throw new RangeError(`Integer at position ${pos} exceeds Python's ${MAX_INT_DIGITS}-digit limit`);
      return /^-?0$/.test(m[0]) ? '0' : m[0];
    }
    return pythonFloatRepr(Number(m[0]));
  };

  const readValue = (depth: number): string => {
    if (depth > MAX_DEPTH) throw new RangeError(`JSON nested deeper than ${MAX_DEPTH} levels`);
    const c = text[pos];
    if (c === '"') return pythonString(readString());
    if (c === '{') return readObject(depth);
    if (c === '[') return readArray(depth);
    for (const literal of ['null', 'true', 'false', 'NaN', 'Infinity', '-Infinity']) {
      if (text.startsWith(literal, pos)) {
        pos += literal.length;
        return literal;
      }
    }
    return readNumber();
  };

  const readArray = (depth: number): string => {
    pos++;
    skipWhitespace();
    if (text[pos] === ']') {
      pos++;
      return '[]';
    }
    const items: string[] = [];
    for (;;) {
      skipWhitespace();
      items.push(readValue(depth + 1));
      skipWhitespace();
      if (text[pos] === ']') break;
      expect(',', "expecting ',' or ']'");
    }
    pos++;
    return `[${items.join(', ')}]`;
  };

  const readObject = (depth: number): string => {
    pos++;
    skipWhitespace();
    if (text[pos] === '}') {
      pos++;
      return '{}';
    }
    // Python builds a dict: a repeated key keeps its first position and takes the last value.
    const entries: [key: string, value: string][] = [];
    const indexOf = new Map<string, number>();
    for (;;) {
      skipWhitespace();
      if (text[pos] !== '"') fail('expecting property name enclosed in double quotes');
      const key = readString();
      skipWhitespace();
      expect(':', "expecting ':' delimiter");
      skipWhitespace();
      const value = readValue(depth + 1);
      const seen = indexOf.get(key);
      if (seen === undefined) {
        indexOf.set(key, entries.length);
        entries.push([pythonString(key), value]);
      } else {
        entries[seen] = [pythonString(key), value];
      }
      skipWhitespace();
      if (text[pos] === '}') break;
      expect(',', "expecting ',' or '}'");
    }
    pos++;
    return `{${entries.map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
  };

  skipWhitespace();
  if (pos >= text.length) fail('expecting value');
  const out = readValue(0);
  skipWhitespace();
  if (pos < text.length) fail('extra data');
  return out;
}

/**
 * A string as json.dumps(ensure_ascii=True) prints it: only printable ASCII (space to "~") stays
 * literal, so DEL and everything non-ASCII becomes \uXXXX with lowercase hex. The regex works on
 * UTF-16 code units, which turns astral characters into surrogate pairs exactly as Python does.
 */
function pythonString(value: string): string {
  const escaped = value.replace(/[^ -~]|["\\]/g, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped}"`;
}

/** Python's float repr: the same shortest round-trip digits as JS, laid out Python's way. */
function pythonFloatRepr(x: number): string {
  if (x === Infinity) return 'Infinity'; // json.loads turns overflowing literals like 1e400 into inf
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // String(x) is specified to give the shortest digits that round-trip, closest to x on ties:
  // the same digits Python's repr picks. Only the layout differs.
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(x)));
  if (!m) throw new Error(`unexpected number format ${String(x)}`);
  const [, intPart = '', fracPart = '', expPart = '0'] = m;
  let digits = intPart + fracPart;
  let pointAt = intPart.length + Number(expPart); // the decimal point sits after this many digits
  const leadingZeros = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(leadingZeros).replace(/0+$/, '');
  pointAt -= leadingZeros;
  const exponent = pointAt - 1; // scientific exponent of the first digit

  // CPython (format_float_short, repr mode) switches to exponent form when exp < -4 or exp >= 16.
  if (exponent < -4 || exponent >= 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${mantissa}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (digits.length <= pointAt) return `${sign}${digits.padEnd(pointAt, '0')}.0`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}
