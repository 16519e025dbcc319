// NDJSON: one event per line, exactly the event model (events.ts) — `JSON.stringify` of each.

import type { TapEvent } from '../events.js';

export function ndjsonLine(event: TapEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** The line that says output was dropped because the reader could not keep up. */
export function ndjsonDropped(count: number, t: number): string {
  return `${JSON.stringify({ t, kind: 'dropped', count })}\n`;
}
