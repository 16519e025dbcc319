// Where gRPC messages end in a call's DATA, one direction, without keeping their bytes
// (PROTOCOL-HTTP2 "Length-Prefixed-Message": Compressed-Flag (1 byte) | Message-Length (4 bytes,
// big-endian) | Message). The fault triggers `message:DIR:N` and `bytes:DIR:P%` need to know where a
// message ends and how long the first one is; the decoder beside the relay reads the messages
// themselves.

const PREFIX = 5;

export class MessageBoundaries {
  /** DATA bytes counted so far. */
  offset = 0;
  /** Messages ended so far. */
  count = 0;
  /** The first message's length, its prefix included, once its prefix is known. */
  firstMessage: number | undefined;
  private readonly prefix = Buffer.alloc(PREFIX);
  private prefixFilled = 0;
  /** Body bytes still to come of the message being read (-1: reading a prefix). */
  private bodyLeft = -1;

  /** The next `data` of the call; returns the messages it ends (index from 1, count at their last byte). */
  push(data: Buffer): { index: number; at: number }[] {
    const ends: { index: number; at: number }[] = [];
    let pos = 0;
    while (pos < data.length) {
      if (this.bodyLeft < 0) {
        const n = Math.min(PREFIX - this.prefixFilled, data.length - pos);
        data.copy(this.prefix, this.prefixFilled, pos, pos + n);
        this.prefixFilled += n;
        pos += n;
        if (this.prefixFilled < PREFIX) break;
        this.prefixFilled = 0;
        this.bodyLeft = this.prefix.readUInt32BE(1);
        this.firstMessage ??= PREFIX + this.bodyLeft;
      } else {
        const n = Math.min(this.bodyLeft, data.length - pos);
        this.bodyLeft -= n;
        pos += n;
      }
      if (this.bodyLeft === 0) {
        this.bodyLeft = -1;
        ends.push({ index: ++this.count, at: this.offset + pos });
      }
    }
    this.offset += data.length;
    return ends;
  }
}
