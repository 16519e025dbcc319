// JSON written straight into bytes, one ASCII character per byte: the text `JSON.stringify` gives
// (RFC 8259), except that characters past U+007F are written as escapes (\u00e9; a pair of them
// past U+FFFF), as Python's json.dumps does by default — the same values once parsed.
//
// Speed only: it is how the tap writes the lines of its two most frequent events (render/ndjson.ts
// says what it buys). Strings built piece by piece and then encoded cost a short-lived string per
// piece and a copy; writing into one reused buffer costs neither.

/** Where the writer starts; it doubles when it needs more, and goes back after holding more than MAX_KEPT_BYTES. */
const INITIAL_BYTES = 128 * 1024;
const MAX_KEPT_BYTES = 1024 * 1024;

/** The two-character escapes of RFC 8259 §7 (what JSON.stringify uses); other controls get \u00XX. */
const SHORT_ESCAPES: Record<number, string> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
};

/**
 * `text` (ASCII that is already JSON) as bytes, for `AsciiJson.bytes`: a piece written often is
 * copied faster from bytes than character by character (20 ns against 200 for 100 characters).
 */
export function asciiBytes(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

export class AsciiJson {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  /** Bytes written since the last reset. */
  length = 0;

  reset(): void {
    this.length = 0;
    if (this.buffer.length > MAX_KEPT_BYTES) this.buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  }

  /** What was written (a view, valid until the next reset). */
  written(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** What was written from `start` on, as a string. */
  text(start = 0): string {
    return this.buffer.toString('latin1', start, this.length);
  }

  /** Bytes made by `asciiBytes` (or any ASCII JSON): copied as they are, at once. */
  bytes(ascii: Uint8Array): void {
    this.room(ascii.length);
    this.buffer.set(ascii, this.length);
    this.length += ascii.length;
  }

  /** Text that is already JSON and ASCII (punctuation, keys, numbers, hex): copied as it is. */
  raw(text: string): void {
    this.room(text.length);
    const b = this.buffer;
    let at = this.length;
    for (let i = 0; i < text.length; i++) b[at++] = text.charCodeAt(i);
    this.length = at;
  }

  number(n: number): void {
    if ((n | 0) !== n || n < 0) return this.raw(Number.isFinite(n) ? String(n) : 'null'); // null: as JSON.stringify
    let digits = 1;
    for (let d = n; d >= 10; d = (d / 10) | 0) digits++;
    this.room(digits);
    const b = this.buffer;
    let at = this.length + digits;
    this.length = at;
    let d = n;
    do {
      const q = (d / 10) | 0;
      b[--at] = 0x30 + d - q * 10;
      d = q;
    } while (d > 0);
  }

  /** A JSON string: `"`, backslash and controls escaped as JSON.stringify does, and everything past ASCII. */
  string(s: string): void {
    this.room(s.length * 6 + 2); // at most \uXXXX per code unit
    const b = this.buffer;
    let at = this.length;
    b[at++] = 0x22;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x80 && c !== 0x22 && c !== 0x5c) {
        b[at++] = c;
        continue;
      }
      const escape = SHORT_ESCAPES[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
      for (let j = 0; j < escape.length; j++) b[at++] = escape.charCodeAt(j);
    }
    b[at++] = 0x22;
    this.length = at;
  }

  /**
   * Any JSON value — objects, arrays, strings, numbers, booleans, null — as JSON.stringify writes it.
   * Fastest when it sees few shapes of objects (V8 optimizes for the shapes it has seen).
   */
  value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        return this.number(v);
      case 'boolean':
        return this.raw(v ? 'true' : 'false');
      case 'object':
        if (v === null) return this.raw('null');
        return Array.isArray(v) ? this.array(v) : this.object(v as Record<string, unknown>);
      default:
        return this.raw('null'); // undefined, functions: as JSON.stringify writes them inside arrays
    }
  }

  private array(list: unknown[]): void {
    this.raw('[');
    for (let i = 0; i < list.length; i++) {
      if (i > 0) this.raw(',');
      this.value(list[i]);
    }
    this.raw(']');
  }

  private object(o: Record<string, unknown>): void {
    this.raw('{');
    let first = true;
    for (const key in o) {
      const v = o[key];
      if (v === undefined || typeof v === 'function' || !Object.hasOwn(o, key)) continue; // as JSON.stringify does
      if (!first) this.raw(',');
      first = false;
      this.string(key);
      this.raw(':');
      this.value(v);
    }
    this.raw('}');
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }
}
