// Flow control through a tap that changes DATA (RFC 9113 §5.2, §6.9). Without faults the bytes a
// sender sends are the bytes its receiver gets, and each WINDOW_UPDATE the receiver sends is what
// the sender gets back: both keep the same windows. A fault breaks that two ways, and the tap
// balances each, per stream and for the connection:
//
// - bytes the tap drops (DATA of a stream it reset, DATA refused, padding taken off) never reach
//   the receiver, which will never give them back: the tap gives them back to the sender itself,
//   with WINDOW_UPDATEs of its own (`owed`, sent by the rewriter);
// - bytes the tap adds (padding) use the receiver's window beyond what the sender spent, and the
//   receiver's WINDOW_UPDATEs will give them back to a sender that never spent them: the tap keeps
//   that much of those increments (`debt`), and holds DATA that does not fit the receiver's real
//   window until it grows (`fits`).
//
// One ledger per direction: `sender` sends DATA, `receiver` grants window. The receiver's window
// as the tap writes to it is tracked exactly: from SETTINGS_INITIAL_WINDOW_SIZE (in force once
// the sender acknowledged it) and the receiver's WINDOW_UPDATEs, less what the tap delivered.

import { INITIAL_WINDOW_SIZE } from '../h2/settings.js';

export class FlowLedger {
  /** The receiver's connection window, as the tap writes to it. */
  connection = INITIAL_WINDOW_SIZE;
  /** The receiver's SETTINGS_INITIAL_WINDOW_SIZE in force for new streams. */
  private initial = INITIAL_WINDOW_SIZE;
  private readonly streams = new Map<number, number>();
  /** Bytes the tap added towards the receiver, still to be kept from its increments (0: the connection). */
  private readonly debt = new Map<number, number>();
  /** Bytes the sender spent that the receiver never got, to give back to the sender (0: the connection). */
  private readonly owed = new Map<number, number>();

  /** A stream opened: its window starts at SETTINGS_INITIAL_WINDOW_SIZE. */
  open(stream: number): void {
    if (!this.streams.has(stream)) this.streams.set(stream, this.initial);
  }

  /** The receiver's window of `stream`. */
  window(stream: number): number {
    return this.streams.get(stream) ?? this.initial;
  }

  /** Whether `n` flow-controlled bytes on `stream` fit the receiver's windows now. */
  fits(stream: number, n: number): boolean {
    return n <= this.connection && n <= this.window(stream);
  }

  /**
   * The tap wrote `delivered` flow-controlled bytes of `stream` to the receiver, for `spent` the
   * sender spent: the difference is debt (more delivered) or owed back to the sender (less).
   */
  delivered(stream: number, delivered: number, spent: number): void {
    this.connection -= delivered;
    this.streams.set(stream, this.window(stream) - delivered);
    const added = delivered - spent;
    if (added > 0) {
      this.add(this.debt, 0, added);
      this.add(this.debt, stream, added);
    } else if (added < 0) {
      this.owe(stream, -added);
    }
  }

  /** The sender spent `n` bytes on `stream` that the receiver will never get. */
  dropped(stream: number, n: number, streamStillOpen: boolean): void {
    if (n === 0) return;
    this.add(this.owed, 0, n);
    if (streamStillOpen) this.add(this.owed, stream, n);
  }

  /**
   * The receiver's WINDOW_UPDATE of `increment` on `stream` (0: the connection): its window grows,
   * and what is passed on to the sender is the increment less the debt (0: none of it).
   */
  granted(stream: number, increment: number): number {
    if (stream === 0) this.connection += increment;
    else if (this.streams.has(stream)) this.streams.set(stream, this.window(stream) + increment);
    const debt = this.debt.get(stream) ?? 0;
    const kept = Math.min(debt, increment);
    if (kept > 0) this.add(this.debt, stream, -kept);
    return increment - kept;
  }

  /** The receiver's SETTINGS_INITIAL_WINDOW_SIZE took effect: every open stream's window moves by the change (§6.9.2). */
  initialWindow(size: number): void {
    const change = size - this.initial;
    this.initial = size;
    for (const [stream, window] of this.streams) this.streams.set(stream, window + change);
  }

  /** The stream is over: no more increments will come for it, nor are any owed on it. */
  closed(stream: number): void {
    this.streams.delete(stream);
    this.debt.delete(stream);
    this.owed.delete(stream);
  }

  /** What the tap owes the sender, by stream (0: the connection), taken from the ledger. */
  takeOwed(): [stream: number, increment: number][] {
    const out = [...this.owed].filter(([, n]) => n > 0);
    this.owed.clear();
    return out;
  }

  private owe(stream: number, n: number): void {
    this.add(this.owed, 0, n);
    this.add(this.owed, stream, n);
  }

  private add(map: Map<number, number>, key: number, n: number): void {
    const value = (map.get(key) ?? 0) + n;
    if (value === 0) map.delete(key);
    else map.set(key, value);
  }
}
