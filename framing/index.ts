export {
  PREFIX_SIZE,
  FLAG_COMPRESSED,
  FLAG_UNCOMPRESSED,
  encodeEnvelope,
  writePrefix,
  EnvelopeDecoder,
  DEFAULT_MAX_MESSAGE_SIZE,
  type MessageSink,
} from './envelope.js';
export { FramingError, type FramingErrorKind } from './errors.js';
export { compress, decompress, isSupportedEncoding, SUPPORTED_ENCODINGS, type Encoding } from './compression.js';
