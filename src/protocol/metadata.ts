// Custom-Metadata (PROTOCOL-HTTP2 "Requests" / "Responses").
//
// - Names: lowercase `0-9 a-z _ - .` only; names ending in `-bin` carry binary values.
// - ASCII values: printable ASCII and space (%x20-%x7E).
// - Binary values travel base64-encoded: "Implementations MUST accept padded and un-padded values
//   and should emit un-padded values." Duplicates may arrive joined with "," — binary values are
//   split on "," before decoding.
// - Reserved (`grpc-*`, pseudo and transport) headers are never metadata (see headers.ts).

import type { OutgoingHttpHeaders } from 'node:http2';
import { isReservedHeader } from './headers.js';

export type MetadataValue = string | Buffer;

const NAME = /^[0-9a-z_.-]+$/;
const ASCII_VALUE = /^[\x20-\x7e]*$/;
// RFC 4648 §4 alphabet, with or without padding.
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

export function isBinaryKey(name: string): boolean {
  return name.endsWith('-bin');
}

/** Why `name` cannot be custom metadata, or undefined when it can. */
export function invalidMetadataName(name: string): string | undefined {
  if (!NAME.test(name)) return `metadata name "${name}" must match [0-9a-z_.-]+`;
  if (isReservedHeader(name)) return `metadata name "${name}" is reserved`;
  return undefined;
}

/** What a Metadata without entries reads from (never written to). */
const NO_ENTRIES: ReadonlyMap<string, MetadataValue[]> = new Map();

export class Metadata {
  // Speed only: the Map is made by the first entry, as most response headers and trailers carry no
  // metadata and a client call receives both. With the call engine's empty Metadata left out, a
  // unary call of our client allocates 20.5 KB instead of 21.1 (bench row (h), docs/benchmarks.md).
  // The plain way makes the Map here.
  private entries: Map<string, MetadataValue[]> | undefined;

  private get map(): ReadonlyMap<string, MetadataValue[]> {
    return this.entries ?? NO_ENTRIES;
  }

  private writable(): Map<string, MetadataValue[]> {
    return (this.entries ??= new Map<string, MetadataValue[]>());
  }

  constructor(init?: Record<string, MetadataValue | MetadataValue[]>) {
    if (init) for (const [k, v] of Object.entries(init)) for (const one of Array.isArray(v) ? v : [v]) this.add(k, one);
  }

  /** Replaces every value of `name`. */
  set(name: string, value: MetadataValue): this {
    const key = checkEntry(name, value);
    this.writable().set(key, [value]);
    return this;
  }

  /** Adds one more value for `name` (order among duplicates is kept). */
  add(name: string, value: MetadataValue): this {
    const key = checkEntry(name, value);
    const list = this.map.get(key);
    if (list) list.push(value);
    else this.writable().set(key, [value]);
    return this;
  }

  /** All values of `name`, in order; empty when absent. */
  get(name: string): MetadataValue[] {
    return [...(this.map.get(name.toLowerCase()) ?? [])];
  }

  /** The first value of `name`, if any. */
  first(name: string): MetadataValue | undefined {
    return this.map.get(name.toLowerCase())?.[0];
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  delete(name: string): boolean {
    return this.entries?.delete(name.toLowerCase()) ?? false;
  }

  get size(): number {
    return this.map.size;
  }

  *[Symbol.iterator](): IterableIterator<[string, MetadataValue]> {
    for (const [k, values] of this.map) for (const v of values) yield [k, v];
  }

  /** Copies every entry of `other` into this (adding to existing names). */
  merge(other: Metadata): this {
    for (const [k, v] of other) this.add(k, v);
    return this;
  }

  /** A plain object for logging and tests: binary values shown as base64. */
  toJSON(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [k, values] of this.map) out[k] = values.map((v) => (typeof v === 'string' ? v : v.toString('base64')));
    return out;
  }

  /** Writes this metadata into an outgoing HTTP/2 header object. Binary values go out unpadded. */
  writeTo(headers: OutgoingHttpHeaders): void {
    for (const [k, values] of this.map) {
      const wire = values.map((v) => (typeof v === 'string' ? v : encodeBinaryValue(v)));
      headers[k] = wire.length === 1 ? wire[0] : wire;
    }
  }

  /**
   * @internal Sets the values of `name` as received from the peer, without the checks that
   * `set`/`add` make on values an application sends (incoming-metadata.ts has validated them).
   */
  setReceived(name: string, values: MetadataValue[]): void {
    this.writable().set(name, values);
  }
}

/** Emits un-padded base64 (PROTOCOL-HTTP2 "should emit un-padded values"). */
export function encodeBinaryValue(value: Uint8Array): string {
  const b64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  let end = b64.length;
  while (end > 0 && b64.charCodeAt(end - 1) === 61 /* '=' */) end--;
  return end === b64.length ? b64 : b64.slice(0, end);
}

function checkEntry(name: string, value: MetadataValue): string {
  const key = name.toLowerCase();
  const bad = invalidMetadataName(key);
  if (bad) throw new TypeError(bad);
  if (isBinaryKey(key)) {
    if (typeof value === 'string') throw new TypeError(`metadata "${key}" is binary: give a Buffer value`);
  } else if (typeof value !== 'string') {
    throw new TypeError(`metadata "${key}" is ASCII: only "-bin" names take Buffer values`);
  } else if (!ASCII_VALUE.test(value)) {
    throw new TypeError(`metadata "${key}" value must be printable ASCII (0x20-0x7E)`);
  }
  return key;
}
