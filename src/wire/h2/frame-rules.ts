// What the tap flags about a frame that could still be read: rules of the frame layer that a
// receiver enforces with a connection error, or that senders must keep but receivers ignore.

import type { Direction } from '../events.js';
import type { Finding } from '../wire-error.js';
import type { Frame, FrameHeader } from './frame-decode.js';
import type { RawFrame } from './frame-parser.js';
import { frameTypeName } from './frame-types.js';

export interface FrameContext {
  /** This is the first frame of its direction. */
  first: boolean;
  /** SETTINGS_MAX_FRAME_SIZE of the receiver, as acknowledged. */
  maxFrameSize: number;
  dir: Direction;
}

export function frameRules(raw: RawFrame, frame: FrameHeader | Frame, ctx: FrameContext): Finding[] {
  const out: Finding[] = [];
  const name = frameTypeName(raw.type) ?? 'UNKNOWN';
  if (ctx.first && name !== 'SETTINGS') {
    out.push({
      rule: 'RFC 9113 §3.4',
      note: `the ${ctx.dir === 'c2s' ? 'client' : 'server'}'s first frame is ${name}: it must be SETTINGS`,
    });
  }
  if (frame.undefinedFlags !== 0) {
    out.push({
      rule: 'RFC 9113 §4.1',
      note: `flag bits 0x${frame.undefinedFlags.toString(16).padStart(2, '0')} are not defined for ${name}: they must be 0 when sent`,
    });
  }
  if (raw.reservedBit) {
    out.push({
      rule: 'RFC 9113 §4.1',
      note: 'the reserved bit before the stream identifier is set: it must be 0 when sent',
    });
  }
  if (raw.length > ctx.maxFrameSize) {
    out.push({
      rule: 'RFC 9113 §4.2',
      note: `a ${raw.length}-byte payload, above the receiver's SETTINGS_MAX_FRAME_SIZE of ${ctx.maxFrameSize} (FRAME_SIZE_ERROR)`,
    });
  }
  if ('padding' in frame && frame.padding?.nonZero) {
    out.push({ rule: 'RFC 9113 §6.1', note: 'padding bytes are not all zero' });
  }
  if ('type' in frame && frame.type === 'WINDOW_UPDATE' && frame.reservedBit) {
    out.push({ rule: 'RFC 9113 §6.9', note: 'the reserved bit before the window increment is set' });
  }
  return out;
}
