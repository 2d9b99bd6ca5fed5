// The payload codec as order-relay's clients and workers use it: one data converter, built from the
// configuration, for every Client and Worker (src/order-relay.ts, the Apicbase worker, the CLI).
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config';
import { EncryptionCodec } from './encryption-codec';
import { resolveCodecKeys } from './keys';

export {
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  PayloadDecryptionError,
  isEncryptedPayload,
  payloadKeyId,
} from './encryption-codec';
export {
  CodecKeyError,
  codecKeyFile,
  generateCodecKeyLine,
  parseCodecKeys,
  resolveCodecKeys,
  type CodecKeyRing,
} from './keys';

/** The failure converter every client, worker and the workflow bundle load (failure texts encrypted too). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export interface OrderRelayCodec {
  codec: EncryptionCodec;
  dataConverter: DataConverter;
  /** Where the keys came from (CODEC_KEYS or the key file's path), for log lines. */
  keySource: string;
  /** True when this call created the key file. */
  createdKeyFile: boolean;
}

/**
 * The codec and data converter from CODEC_KEYS or the key file in DATA_DIR. `create`: make the key
 * file when nothing is configured (order-relay's own start); the CLI passes false and only reads it.
 */
export function payloadCodecFromConfig(
  config: Pick<Config, 'CODEC_KEYS' | 'DATA_DIR'>,
  opts: { create: boolean },
): OrderRelayCodec {
  const ring = resolveCodecKeys({ keys: config.CODEC_KEYS, dataDir: config.DATA_DIR, create: opts.create });
  const codec = new EncryptionCodec(ring);
  return {
    codec,
    dataConverter: { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH },
    keySource: ring.source,
    createdKeyFile: ring.created,
  };
}
