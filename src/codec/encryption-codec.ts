// PII protection: a Temporal PayloadCodec that encrypts every payload order-relay's clients and
// workers send to Temporal (workflow and activity inputs and results, query and update answers,
// summaries and details) with AES-256-GCM. Customer names and addresses — the mapped Hublify request,
// amendments — therefore reach the Temporal server, its database and its Web UI only as ciphertext.
//
// An encrypted payload is the serialised original Payload (metadata and data), encrypted:
//   metadata  encoding=binary/encrypted, encryption-key-id=<id>, encryption-cipher=AES-256-GCM
//   data      12-byte IV ‖ ciphertext ‖ 16-byte GCM tag        (the key id is the associated data)
// Decoding touches only payloads with that encoding and passes every other payload through unchanged,
// so histories recorded before encryption (test/histories) and payloads from other clients still read.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKeyRing } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
export const METADATA_CIPHER = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** Thrown when an encrypted payload cannot be decrypted: an unknown key id, or tampered data. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

export function isEncryptedPayload(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

/** The id of the key a payload was encrypted with (undefined for a plain payload). */
export function payloadKeyId(payload: Payload): string | undefined {
  return isEncryptedPayload(payload) ? text(payload.metadata?.[METADATA_KEY_ID]) : undefined;
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeyRing) {}

  /** The key id new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.keys.current.id;
  }

  // async: a payload that cannot be decrypted rejects the promise (it does not throw at the call).
  // eslint-disable-next-line @typescript-eslint/require-await
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncryptedPayload(p) ? p : this.encrypt(p)));
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncryptedPayload(p) ? this.decrypt(p) : p));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.keys.current;
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(utf8(id));
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING),
        [METADATA_KEY_ID]: utf8(id),
        [METADATA_CIPHER]: utf8(CIPHER),
      },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const id = text(payload.metadata?.[METADATA_KEY_ID]);
    if (!id) throw new PayloadDecryptionError('encrypted payload without a key id');
    const entry = this.keys.byId.get(id);
    if (!entry) {
      throw new PayloadDecryptionError(
        `payload encrypted with key "${id}", which is not among the configured codec keys (CODEC_KEYS): add it back to decrypt`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(`encrypted payload (key "${id}") is too short`);
    const decipher = createDecipheriv('aes-256-gcm', entry.key, data.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(utf8(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload (key "${id}") failed authentication: wrong key or altered data`,
      );
    }
    const decoded = temporal.api.common.v1.Payload.decode(plain);
    return { metadata: decoded.metadata, data: decoded.data };
  }
}
