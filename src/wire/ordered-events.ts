// The events of one connection leave in the order their bytes came. A message whose schema is still
// being looked up (the first call of a service, through reflection) holds back every event after it
// until the answer is in — a bounded wait: past MAX_HELD events, or MAX_HELD_BYTES of the bodies
// of waiting messages, those messages stop waiting and are shown without a schema. So does the
// end of the connection, after a grace (`end`): a short call is often over, and its connection
// closed, before the first lookup of its service answers (grpcurl closes as soon as its call is done).

import type { TapEvent } from './events.js';

const MAX_HELD = 10_000;
const MAX_HELD_BYTES = 32 * 1024 * 1024;

/** An entry of the queue: its events once ready; `force` makes a waiting one ready at once. */
interface Held {
  ready: boolean;
  make(): TapEvent[];
  force?(): void;
}

export class OrderedEvents {
  private readonly emit: (event: TapEvent) => void;
  private readonly held: Held[] = [];
  /** Bytes kept by the messages that wait. */
  private heldBytes = 0;
  /** Once the connection ended with events held: what runs when the last has gone out. */
  private ended: { timer: NodeJS.Timeout; done: () => void } | undefined;

  constructor(emit: (event: TapEvent) => void) {
    this.emit = emit;
  }

  push(event: TapEvent): void {
    if (this.held.length === 0) this.emit(event);
    else this.hold({ ready: true, make: () => [event] });
  }

  pushAll(events: TapEvent[]): void {
    if (this.held.length === 0) for (const e of events) this.emit(e);
    else this.hold({ ready: true, make: () => events });
  }

  /** Events made when they leave the queue (a call's summary counts the messages decoded late). */
  pushLater(make: () => TapEvent[]): void {
    if (this.held.length === 0) for (const e of make()) this.emit(e);
    else this.hold({ ready: true, make });
  }

  /**
   * A message that waits for `answer`, keeping `bytes` meanwhile; `build` makes its events from the
   * answer, or from undefined when it stops waiting first.
   */
  wait<T>(bytes: number, answer: Promise<T>, build: (answer: T | undefined) => TapEvent[]): void {
    let events: TapEvent[] = [];
    const entry: Held = { ready: false, make: () => events };
    const settle = (value: T | undefined) => {
      if (entry.ready) return;
      events = build(value);
      entry.ready = true;
      this.heldBytes -= bytes;
    };
    entry.force = () => settle(undefined);
    this.heldBytes += bytes;
    this.hold(entry);
    void answer.then((value) => {
      settle(value);
      this.flush();
    });
  }

  /**
   * The connection ended: the messages still waiting get at most `graceMs` more for their answers,
   * then go out as they are. `done` runs once every event has gone out (at once if none is held).
   */
  end(graceMs: number, done: () => void): void {
    if (this.held.length === 0) return done();
    this.ended = { timer: setTimeout(() => this.drain(), graceMs), done };
  }

  /** Nothing waits any more: everything goes out now. */
  drain(): void {
    for (const h of this.held) h.force?.();
    this.flush();
  }

  private hold(entry: Held): void {
    this.held.push(entry);
    if (this.held.length > MAX_HELD || this.heldBytes > MAX_HELD_BYTES) this.drain();
  }

  private flush(): void {
    while (this.held.length > 0 && this.held[0].ready) for (const e of this.held.shift()!.make()) this.emit(e);
    if (this.held.length === 0 && this.ended) {
      clearTimeout(this.ended.timer);
      this.ended.done();
      this.ended = undefined;
    }
  }
}
