// What reading one direction of a connection needs: its frame parser, its header block assembler,
// the HPACK decoder of the blocks it sends, and the SETTINGS in force for what it sends. A side's
// SETTINGS bind what the *other* side sends, from the moment the other side acknowledges them
// (RFC 9113 §6.5.3): so the decoder of client→server header blocks is bounded by the
// SETTINGS_HEADER_TABLE_SIZE the server sent, once the client has sent its ACK (RFC 7541 §4.2).

import { receiver, sender } from './annotations.js';
import type { Direction } from './events.js';
import { FrameParser } from './h2/frame-parser.js';
import { HeaderBlockAssembler } from './h2/header-blocks.js';
import { INITIAL_MAX_FRAME_SIZE, Setting } from './h2/settings.js';
import { HpackDecoder } from './hpack/index.js';
import type { Finding } from './wire-error.js';

type SettingList = { id: number; value: number }[];

/** SETTINGS frames waiting for their ACK that are tracked, at most. */
const MAX_UNACKED = 32;

export class DirectionState {
  readonly dir: Direction;
  readonly parser: FrameParser;
  readonly blocks = new HeaderBlockAssembler();
  /** Decodes the header blocks this side sends. */
  readonly hpack = new HpackDecoder();
  /** The largest frame this side may send: the other side's SETTINGS_MAX_FRAME_SIZE, once acknowledged. */
  maxFrameSize = INITIAL_MAX_FRAME_SIZE;
  /** The other side allows server push (SETTINGS_ENABLE_PUSH, initially 1). */
  pushAllowed = true;
  /** Frames read so far. */
  frames = 0;
  /** PINGs this side sent, by payload, waiting for their ACK. */
  readonly pings = new Map<string, number>();
  /** SETTINGS this side sent that the other side has not acknowledged yet, oldest first. */
  private readonly unacked: { t: number; settings: SettingList }[] = [];

  constructor(dir: Direction) {
    this.dir = dir;
    this.parser = new FrameParser(dir === 'c2s');
  }

  /** This side sent SETTINGS at `t`. */
  sent(t: number, settings: SettingList): Finding | undefined {
    this.unacked.push({ t, settings });
    // RFC 9113 §6.5.3 sets no limit, but a peer that never acknowledges must not grow the list.
    if (this.unacked.length <= MAX_UNACKED) return undefined;
    this.unacked.shift();
    return {
      rule: 'RFC 9113 §6.5.3',
      note: `more than ${MAX_UNACKED} SETTINGS frames unacknowledged: the oldest is no longer tracked`,
    };
  }

  /**
   * This side acknowledged the other side's oldest SETTINGS (`other`): what this side sends obeys
   * them from here on. Returns when they were sent (undefined: there was nothing to acknowledge),
   * and what changed, for the note.
   */
  acknowledge(other: DirectionState): { sentAt: number | undefined; effects: string[] } {
    const acked = other.unacked.shift();
    const effects: string[] = [];
    const flow = `${sender(this.dir)}→${receiver(this.dir)}`;
    for (const { id, value } of acked?.settings ?? []) {
      switch (id) {
        case Setting.SETTINGS_HEADER_TABLE_SIZE:
          this.hpack.setSettingsMaxTableSize(value);
          effects.push(`${flow} header blocks may use a ${value}-byte HPACK dynamic table`);
          break;
        case Setting.SETTINGS_MAX_FRAME_SIZE:
          this.maxFrameSize = value;
          effects.push(`${sender(this.dir)} frames may carry up to ${value} bytes`);
          break;
        case Setting.SETTINGS_ENABLE_PUSH:
          this.pushAllowed = value === 1;
          break;
        case Setting.SETTINGS_INITIAL_WINDOW_SIZE:
          effects.push(`each new stream's ${flow} window starts at ${value} bytes`);
          break;
      }
    }
    return { sentAt: acked?.t, effects };
  }
}
