// json.dumps(json.loads(raw)) without Python: the form Apicbase's published sample signs.
//
// JSON.parse cannot be used for the whole document: JS objects move integer-like keys ("10", "2")
// to the front, and numbers lose their spelling (1.0 becomes 1, big ints lose digits). So the raw
// text is scanned token by token and each token is re-emitted the way Python would print it.
// Follows CPython 3.11's json module (the C scanner/encoder), including its non-standard literals
// NaN / Infinity / -Infinity, which json.loads accepts by default.
//
// Linear in the body size, however deep it nests: containers are built as ropes (arrays of pieces)
// and joined once at the end (joining each level's text, as an earlier version did, copied the inner
// text once per level: a gigabyte for a 1 MB body nested 1,000 deep), and read with an explicit stack
// of open containers rather than by recursion, so neither the depth nor a caller's own stack can
// overflow the call stack.

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
const DECODE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Output text as a tree of pieces, flattened once. */
type Rope = string | Rope[];

interface ArrayContainer {
  kind: 'array';
  out: Rope[];
}
interface ObjectContainer {
  kind: 'object';
  keys: string[];
  values: Rope[];
  indexOf: Map<string, number>;
  /** The key whose value is being read. */
  key: { value: string; printed: string };
}
type Container = ArrayContainer | ObjectContainer;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isJsonWhitespace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
/** Printable ASCII other than '"' and '\': printed by Python exactly as written. */
const isPlainAscii = (c: number) => c >= 0x20 && c <= 0x7e && c !== QUOTE && c !== BACKSLASH;

/** Exactly what Python prints for `json.dumps(json.loads(rawJson))` (default arguments). */
export function pythonJsonDumps(rawJson: string): string {
  const text = rawJson;
  const end = text.length;
  let pos = 0;

  const fail = (what: string): never => {
    // Position only: the message must never carry body content into logs.
    throw new SyntaxError(`Invalid JSON at position ${pos}: ${what}`);
  };
  const skipWhitespace = () => {
    // Only the four JSON whitespace characters; Python rejects any other.
    while (pos < end && isJsonWhitespace(text.charCodeAt(pos))) pos++;
  };
  const expect = (code: number, what: string) => {
    if (text.charCodeAt(pos) !== code) fail(what);
    pos++;
  };

  /**
   * Reads a string token. Returns its decoded value (keys need it to find duplicates) and Python's
   * spelling; a token of plain printable ASCII is already spelled Python's way.
   */
  const readString = (): { value: string; printed: string } => {
    const open = pos;
    pos++; // opening quote
    let c = 0;
    while (pos < end && isPlainAscii((c = text.charCodeAt(pos)))) pos++;
    if (pos < end && c === QUOTE) {
      pos++;
      const value = text.slice(open + 1, pos - 1);
      return { value, printed: text.slice(open, pos) };
    }
    let out = text.slice(open + 1, pos);
    for (;;) {
      const start = pos;
      while (pos < end && (c = text.charCodeAt(pos)) !== QUOTE && c !== BACKSLASH && c >= 0x20) pos++;
      out += text.slice(start, pos);
      if (pos >= end) fail('unterminated string');
      if (c === QUOTE) {
        pos++;
        return { value: out, printed: pythonString(out) };
      }
      if (c !== BACKSLASH) fail('control character in string'); // json.loads(strict=True)
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

  const numberToken = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
  const readNumber = (): string => {
    numberToken.lastIndex = pos;
    const m = numberToken.exec(text);
    if (!m) return fail('expecting value');
    pos += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      // A Python int: printed with exactly its digits, whatever the size; "-0" becomes "0".
      const digits = m[0].length - (m[0].startsWith('-') ? 1 : 0);
      if (digits > MAX_INT_DIGITS)
        throw new RangeError(`Integer at position ${pos} exceeds Python's ${MAX_INT_DIGITS}-digit limit`);
      return m[0] === '-0' ? '0' : m[0];
    }
    return pythonFloatRepr(Number(m[0]));
  };

  const LITERALS = ['null', 'true', 'false', 'NaN', 'Infinity', '-Infinity'];
  /** A string, number or literal: everything but a container. */
  const readScalar = (): string => {
    if (text.charCodeAt(pos) === QUOTE) return readString().printed;
    for (const literal of LITERALS) {
      if (text.startsWith(literal, pos)) {
        pos += literal.length;
        return literal;
      }
    }
    return readNumber();
  };

  // The containers still open, innermost last: an explicit stack, not recursion, so no nesting depth
  // (nor a caller's deep stack) can overflow the call stack. Each value is read once, then handed to
  // its container, which may close and hand itself on in turn.
  const open: Container[] = [];
  /** Reads an object's key and its ':' (the position is at the key's opening quote, or should be). */
  const readKey = (object: ObjectContainer) => {
    skipWhitespace();
    if (text.charCodeAt(pos) !== QUOTE) fail('expecting property name enclosed in double quotes');
    object.key = readString();
    skipWhitespace();
    expect(0x3a, "expecting ':' delimiter");
    skipWhitespace();
  };

  skipWhitespace();
  if (pos >= end) fail('expecting value');
  let rope: Rope | undefined;
  while (rope === undefined) {
    // A value starts here, inside `open.length` containers.
    if (open.length > MAX_DEPTH) throw new RangeError(`JSON nested deeper than ${MAX_DEPTH} levels`);
    const c = text.charCodeAt(pos);
    let value: Rope;
    if (c === 0x7b || c === 0x5b) {
      pos++;
      skipWhitespace();
      if (text.charCodeAt(pos) === (c === 0x7b ? 0x7d : 0x5d)) {
        pos++;
        value = c === 0x7b ? '{}' : '[]';
      } else if (c === 0x5b) {
        open.push({ kind: 'array', out: ['['] });
        skipWhitespace();
        continue;
      } else {
        // Python builds a dict: a repeated key keeps its first position and takes the last value.
        const object: ObjectContainer = {
          kind: 'object',
          keys: [],
          values: [],
          indexOf: new Map(),
          key: { value: '', printed: '' },
        };
        open.push(object);
        readKey(object);
        continue;
      }
    } else {
      value = readScalar();
    }
    // Hand the value to the containers it completes, closing each that ends here.
    for (;;) {
      const container = open.at(-1);
      if (!container) {
        rope = value;
        break;
      }
      skipWhitespace();
      if (container.kind === 'array') {
        container.out.push(value);
        if (text.charCodeAt(pos) !== 0x5d) {
          expect(0x2c, "expecting ',' or ']'");
          container.out.push(', ');
          skipWhitespace();
          break;
        }
        pos++;
        container.out.push(']');
        value = container.out;
      } else {
        const seen = container.indexOf.get(container.key.value);
        if (seen === undefined) {
          container.indexOf.set(container.key.value, container.keys.length);
          container.keys.push(container.key.printed);
          container.values.push(value);
        } else {
          container.values[seen] = value;
        }
        if (text.charCodeAt(pos) !== 0x7d) {
          expect(0x2c, "expecting ',' or '}'");
          readKey(container);
          break;
        }
        pos++;
        const out: Rope[] = ['{'];
        container.keys.forEach((key, i) => out.push(i === 0 ? '' : ', ', key, ': ', container.values[i] ?? ''));
        out.push('}');
        value = out;
      }
      open.pop();
    }
  }
  skipWhitespace();
  if (pos < end) fail('extra data');
  return flatten(rope);
}

/** The rope's pieces in order, joined once. Iterative: a 1,000-deep rope must not cost stack per piece. */
function flatten(rope: Rope): string {
  const pieces: string[] = [];
  const stack: Rope[] = [rope];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node === 'string') pieces.push(node);
    else for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]!);
  }
  return pieces.join('');
}

/**
 * A string as json.dumps(ensure_ascii=True) prints it: only printable ASCII (space to "~") stays
 * literal, so DEL and everything non-ASCII becomes \uXXXX with lowercase hex. The regex works on
 * UTF-16 code units, which turns astral characters into surrogate pairs exactly as Python does.
 */
function pythonString(value: string): string {
  const escaped = value.replace(
    /[^ -~]|["\\]/g,
    (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
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
