// Counts the notes a store dropped past its bounds and says so in the log — at once for the first
// drop, then at most once per interval, with what was dropped since the last line.

import type { DropReason, NoteBounds } from './note-store.js';

export type LogLine = (line: string) => void;

export interface DropLogOptions {
  log?: LogLine;
  /** Shortest time between two log lines (default one minute). */
  intervalMs?: number;
}

const REASONS: readonly DropReason[] = ['notes', 'bytes', 'perLocation', 'tooLarge'];

export class DropLog {
  /** Notes dropped since the store began, by reason. */
  readonly total: Record<DropReason, number> = { notes: 0, bytes: 0, perLocation: 0, tooLarge: 0 };
  private readonly unlogged: Record<DropReason, number> = { notes: 0, bytes: 0, perLocation: 0, tooLarge: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly log: LogLine;
  private readonly intervalMs: number;

  constructor(
    private readonly bounds: NoteBounds,
    options: DropLogOptions = {},
  ) {
    this.log = options.log ?? ((line) => console.error(line));
    this.intervalMs = options.intervalMs ?? 60_000;
  }

  /** Counts `n` notes dropped for `reason`; logs now if no line went out within the interval. */
  count(reason: DropReason, n = 1): void {
    this.total[reason] += n;
    this.unlogged[reason] += n;
    if (this.timer === undefined) this.flush();
  }

  /** Stops the timer (the store is closing); what is not logged yet goes out now. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (REASONS.some((r) => this.unlogged[r] > 0)) this.write();
  }

  /** Writes what is unlogged, if anything, and waits an interval before the next line. */
  private flush = (): void => {
    this.timer = undefined;
    if (!REASONS.some((r) => this.unlogged[r] > 0)) return;
    this.write();
    this.timer = setTimeout(this.flush, this.intervalMs);
    this.timer.unref();
  };

  private write(): void {
    const { maxNotes, maxNoteBytes, maxNotesPerLocation } = this.bounds;
    const why: Record<DropReason, string> = {
      notes: `past --max-notes ${maxNotes}`,
      bytes: `past --max-note-bytes ${maxNoteBytes}`,
      perLocation: `past --max-notes-per-location ${maxNotesPerLocation}`,
      tooLarge: `larger than --max-note-bytes on their own (not stored)`,
    };
    const parts = REASONS.filter((r) => this.unlogged[r] > 0).map((r) => `${this.unlogged[r]} ${why[r]}`);
    const dropped = REASONS.reduce((sum, r) => sum + this.unlogged[r], 0);
    for (const r of REASONS) this.unlogged[r] = 0;
    this.log(`note store: dropped ${dropped} note(s), oldest first: ${parts.join(', ')}`);
  }
}
