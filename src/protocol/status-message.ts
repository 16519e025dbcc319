// grpc-message (PROTOCOL-HTTP2 "Responses"): Percent-Encoded UTF-8.
//
//   Percent-Byte-Unencoded = %x20-24 / %x26-7E   (space and VCHAR, except "%")
//   Percent-Byte-Encoded   = "%" 2HEXDIGIT        (uppercase hex)
//
// Decoding "MUST NOT error or throw away the message": broken escapes are kept as they are.

const HEX = '0123456789ABCDEF';

function isUnencoded(byte: number): boolean {
  return byte >= 0x20 && byte <= 0x7e && byte !== 0x25;
}

/** Percent-encodes a status message; allocates only when some byte needs escaping (grpc-go style). */
export function encodeStatusMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    if (!isUnencoded(message.charCodeAt(i))) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += isUnencoded(byte) ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Decodes a percent-encoded status message. Valid escapes become bytes, anything else is kept
 * verbatim (`%G0`, a trailing `%6`); the bytes are read as UTF-8 (invalid sequences → U+FFFD).
 */
export function decodeStatusMessage(value: string): string {
  if (value.indexOf('%') === -1) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hexValue(value.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes.push((hi << 4) | lo);
        i += 2;
        continue;
      }
    }
    if (c < 0x80) {
      bytes.push(c);
      continue;
    }
    // Header values should be ASCII; be lenient and keep any other character whole (a surrogate
    // pair is one code point: encoding its halves apart would turn it into two U+FFFD).
    const char = String.fromCodePoint(value.codePointAt(i)!);
    for (const b of Buffer.from(char, 'utf8')) bytes.push(b);
    i += char.length - 1;
  }
  return Buffer.from(bytes).toString('utf8');
}
