// What a malformed header block is reported as. The decoder returns an HpackError instead of
// throwing (a decoder of bytes someone else wrote never throws into the caller's loop); in HTTP/2
// any of them is a connection error of type COMPRESSION_ERROR (RFC 9113 §4.3).

export class HpackError extends Error {
  /**
   * Byte offset in the header block of the element that breaks the rule: the first byte of the
   * field, integer or string literal; for a Huffman error, the byte of the string where the faulty
   * code (or the padding) starts.
   */
  readonly offset: number;
  /** The RFC section and the rule broken, e.g. "RFC 7541 §5.2: padding longer than 7 bits". */
  readonly rule: string;

  constructor(offset: number, rule: string, detail?: string) {
    super(`offset ${offset}: ${rule}${detail === undefined ? '' : ` (${detail})`}`);
    this.name = 'HpackError';
    this.offset = offset;
    this.rule = rule;
  }
}
