// The reader every protobuf message is decoded from. protobufjs's reader of a Buffer cuts a string
// field short when its length runs past the end of the message (BufferReader#string reads what is
// there), where its `bytes` and its reader of a plain Uint8Array fail as they should. A
// length-delimited field's length counts the bytes that follow it (protobuf encoding, "Length-
// Delimited Records"), so a message whose string runs past its end is malformed: protobuf-go
// refuses it (unexpected EOF), and so does this reader, with protobufjs's own "index out of range".

import protobuf from 'protobufjs';

class CheckedBufferReader extends protobuf.BufferReader {
  override string(): string {
    const length = this.uint32();
    const start = this.pos;
    if (start + length > this.len) throw RangeError(`index out of range: ${start} + ${length} > ${this.len}`);
    this.pos = start + length;
    return (this.buf as Buffer).toString('utf8', start, this.pos);
  }
}

/** A reader of the message in `bytes[start, end)` (all of `bytes` by default), for `Type.decode`. */
export function messageReader(bytes: Uint8Array, start = 0, end = bytes.length): protobuf.Reader {
  const reader = Buffer.isBuffer(bytes) ? new CheckedBufferReader(bytes) : protobuf.Reader.create(bytes);
  reader.pos = start;
  reader.len = end; // as the end of a view: reading past it throws
  return reader;
}
