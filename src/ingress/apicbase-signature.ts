// Verification of Apicbase's X-APIC-WEBHOOK-SIGNATURE header.
//
// The header is a hex HMAC-SHA256 keyed by the client secret (or a dedicated webhook key). The
// guide says to hash "the raw request data", yet its own Python sample hashes
// `json.dumps(request.data)`: the body parsed and re-serialised with Python's defaults. Which form
// is checked is a setting (APICBASE_SIGNATURE_FORM): `raw`, `python`, or `auto`, which learns the
// form from the first valid delivery. Both forms need the secret; the Python form only lets through
// bodies whose bytes differ (whitespace, escapes, number spelling) but which parse to the same value.
//
// Cost before authentication: an HMAC over the raw bytes is cheap; the Python form first re-serialises
// the whole body. `auto` therefore computes the form it has not (yet) seen a valid delivery use only
// for bodies under AUTO_OTHER_FORM_MAX_BYTES, so a large body with a wrong signature costs HMACs only.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { pythonJsonDumps } from './python-json-dumps';

export { pythonJsonDumps } from './python-json-dumps';

export const APICBASE_SIGNATURE_HEADER = 'x-apic-webhook-signature';

/** What the signature is computed over: the raw body bytes, or Python's json.dumps of the parsed body. */
export type SignatureForm = 'raw' | 'python';
/** APICBASE_SIGNATURE_FORM. */
export type SignatureFormSetting = SignatureForm | 'auto';
export const SIGNATURE_FORM_SETTINGS = ['auto', 'raw', 'python'] as const satisfies readonly SignatureFormSetting[];

/** `auto`: the form not (yet) seen valid is tried only for bodies up to this size. Orders are a few kB. */
export const AUTO_OTHER_FORM_MAX_BYTES = 64 * 1024;

export type ApicbaseSignatureResult =
  | { ok: true; matched: SignatureForm; secretIndex: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

/** Hex HMAC-SHA256 of `message` (a string is hashed as UTF-8) keyed by `secret`. */
export function signApicbasePayload(secret: string, message: Buffer | string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/**
 * Which forms to check for a body, in order. `raw` and `python` check exactly their form. `auto`
 * checks the form the last valid delivery used (raw until one arrived) for any body, and the other
 * one only for bodies up to AUTO_OTHER_FORM_MAX_BYTES.
 */
export class SignatureForms {
  private learned: SignatureForm | undefined;

  constructor(
    readonly setting: SignatureFormSetting,
    private readonly otherFormMaxBytes = AUTO_OTHER_FORM_MAX_BYTES,
  ) {}

  /** The form the last valid delivery used (`auto` only). */
  get learnedForm(): SignatureForm | undefined {
    return this.learned;
  }

  formsFor(bodyBytes: number): SignatureForm[] {
    if (this.setting !== 'auto') return [this.setting];
    const primary = this.learned ?? 'raw';
    const other: SignatureForm = primary === 'raw' ? 'python' : 'raw';
    return bodyBytes <= this.otherFormMaxBytes ? [primary, other] : [primary];
  }

  /** Called with the form of every valid delivery. */
  learn(form: SignatureForm): void {
    if (this.setting === 'auto') this.learned = form;
  }
}

/**
 * Checks `signature` against every secret (current first, then the one being rotated out), for each
 * of `forms` in turn (default: both). Never throws for anything the sender controls; throws only when
 * no usable secret is configured.
 */
export function verifyApicbaseSignature(input: {
  rawBody: Buffer;
  signature: string | undefined;
  secrets: string[];
  forms?: SignatureForm[];
}): ApicbaseSignatureResult {
  const { rawBody, signature, secrets, forms = ['raw', 'python'] } = input;
  // An empty key makes every signature forgeable: that is a configuration bug, not a bad request.
  if (secrets.length === 0 || secrets.some((s) => s.length === 0)) {
    throw new Error('Apicbase webhook verification needs at least one non-empty secret');
  }
  if (signature === undefined || signature === '') return { ok: false, reason: 'missing' };
  if (!/^[0-9a-f]{64}$/i.test(signature)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(signature, 'hex');

  // Both sides are 32 bytes, as timingSafeEqual requires, so the comparison itself leaks nothing.
  const matchingSecret = (message: Buffer | string) =>
    secrets.findIndex((secret) => timingSafeEqual(createHmac('sha256', secret).update(message).digest(), expected));

  for (const form of forms) {
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
