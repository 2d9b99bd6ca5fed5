// Verification of Apicbase's X-APIC-WEBHOOK-SIGNATURE header.
//
// The header is a hex HMAC-SHA256 keyed by the client secret (or a dedicated webhook key). The
// guide says to hash "the raw request data", yet its own Python sample hashes
// `json.dumps(request.data)`: the body parsed and re-serialised with Python's defaults. Which form
// is checked is a setting (APICBASE_SIGNATURE_FORM): `raw`, `python`, or `auto` (both). Both forms
// need the secret; the Python form only lets through bodies whose bytes differ (whitespace, escapes,
// number spelling) but which parse to the same value.
//
// Cost before authentication, whatever the setting and whatever valid deliveries came before: an
// HMAC over the raw bytes (cheap, about 1.5 ms per MB) is always the first check; the Python form,
// which re-serialises the body first (about 130-375 ms per MB, on the event loop), is computed only
// for bodies up to PYTHON_FORM_MAX_BYTES. Orders are a few kB, so a re-serialisation costs at most a
// few milliseconds, and a large body with a wrong signature costs HMACs only. No form is "learned":
// an earlier version let a valid Python-form delivery make `auto` re-serialise bodies of any size.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { pythonJsonDumps } from './python-json-dumps';

export { pythonJsonDumps } from './python-json-dumps';

export const APICBASE_SIGNATURE_HEADER = 'x-apic-webhook-signature';

/** What the signature is computed over: the raw body bytes, or Python's json.dumps of the parsed body. */
export type SignatureForm = 'raw' | 'python';
/** APICBASE_SIGNATURE_FORM. */
export type SignatureFormSetting = SignatureForm | 'auto';
export const SIGNATURE_FORM_SETTINGS = ['auto', 'raw', 'python'] as const satisfies readonly SignatureFormSetting[];

/**
 * The largest body whose Python form is computed (before the sender is known): 64 KiB. Orders are a
 * few kB; a larger body is checked in the raw form only (and with `python` alone, refused).
 */
export const PYTHON_FORM_MAX_BYTES = 64 * 1024;

export type ApicbaseSignatureResult =
  | { ok: true; matched: SignatureForm; secretIndex: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

/** Work done on a request before its sender is authenticated, in bytes: hashed, or re-serialised. */
export type PreAuthWork = 'hmac' | 'python-form';

/** Hex HMAC-SHA256 of `message` (a string is hashed as UTF-8) keyed by `secret`. */
export function signApicbasePayload(secret: string, message: Buffer | string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** The forms a setting checks, in order: the raw bytes first, always. */
export function signatureFormsFor(setting: SignatureFormSetting): SignatureForm[] {
  return setting === 'auto' ? ['raw', 'python'] : [setting];
}

/**
 * Checks `signature` against every secret (current first, then the one being rotated out), for each
 * of `forms` in turn (default: both, raw first); the Python form only for bodies up to
 * PYTHON_FORM_MAX_BYTES. `onWork` is told every piece of work done (the pre-auth cost, in bytes).
 * Never throws for anything the sender controls; throws only when no usable secret is configured.
 */
export function verifyApicbaseSignature(input: {
  rawBody: Buffer;
  signature: string | undefined;
  secrets: string[];
  forms?: SignatureForm[];
  onWork?: (work: PreAuthWork, bytes: number) => void;
}): ApicbaseSignatureResult {
  const { rawBody, signature, secrets, forms = ['raw', 'python'], onWork } = input;
  // An empty key makes every signature forgeable: that is a configuration bug, not a bad request.
  if (secrets.length === 0 || secrets.some((s) => s.length === 0)) {
    throw new Error('Apicbase webhook verification needs at least one non-empty secret');
  }
  if (signature === undefined || signature === '') return { ok: false, reason: 'missing' };
  if (!/^[0-9a-f]{64}$/i.test(signature)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(signature, 'hex');

  // Both sides are 32 bytes, as timingSafeEqual requires, so the comparison itself leaks nothing.
  const matchingSecret = (message: Buffer | string) =>
    secrets.findIndex((secret) => {
      onWork?.('hmac', typeof message === 'string' ? Buffer.byteLength(message) : message.length);
      return timingSafeEqual(createHmac('sha256', secret).update(message).digest(), expected);
    });

  // Raw first, whatever order was asked: it is the cheap one.
  for (const form of [...forms].sort((a, b) => (a === b ? 0 : a === 'raw' ? -1 : 1))) {
    if (form === 'python' && rawBody.length > PYTHON_FORM_MAX_BYTES) continue;
    if (form === 'python') onWork?.('python-form', rawBody.length);
    const message = form === 'raw' ? rawBody : pythonForm(rawBody);
    if (message === undefined) continue;
    const index = matchingSecret(message);
    if (index >= 0) return { ok: true, matched: form, secretIndex: index };
  }
  return { ok: false, reason: 'mismatch' };
}

/** What Python's sample would have signed, or undefined when Python could not have parsed the body. */
function pythonForm(rawBody: Buffer): string | undefined {
  try {
    // DRF-style frameworks decode the body as UTF-8 before json.loads; invalid UTF-8 or a BOM
    // (which Python's json.loads refuses) means Python could not have produced a signature.
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(rawBody);
    return pythonJsonDumps(text);
  } catch {
    return undefined;
  }
}
