// The HPACK decoder of the wire tap (RFC 7541): what each header of an HTTP/2 connection says and
// how it was encoded; and the encoder of the blocks the tap's faults send (encoder.ts).

export { HpackDecoder, DEFAULT_HEADER_TABLE_SIZE } from './decoder.js';
export { HpackEncoder, type EncoderField, type HpackEncoderOptions } from './encoder.js';
export { HpackError } from './errors.js';
export {
  describeRepresentation,
  type HeaderBlock,
  type HeaderField,
  type Representation,
  type RepresentationBytes,
  type StringBytes,
  type TableRef,
} from './representation.js';
export { decodeHuffman, encodeHuffman } from './huffman.js';
export { decodeInteger, encodeInteger, MAX_INTEGER, MAX_CONTINUATION_BYTES } from './integer.js';
export { STATIC_TABLE, type TableEntry } from './static-table.js';
export { HUFFMAN_CODES, EOS } from './huffman-table.js';
export { ENTRY_OVERHEAD, entrySize } from './dynamic-table.js';
