// The HTTP/2 frame types and the flags each one defines: RFC 9113 §6 (frame definitions) and §11.2
// (the "HTTP/2 Frame Type" registry). A frame of any other type is shown as UNKNOWN and skipped,
// as RFC 9113 §4.1 requires of receivers ("Implementations MUST ignore and discard frames of
// unknown types").

export const FrameType = {
  DATA: 0x0, //          §6.1
  HEADERS: 0x1, //       §6.2
  PRIORITY: 0x2, //      §6.3 (deprecated, still parsed)
  RST_STREAM: 0x3, //    §6.4
  SETTINGS: 0x4, //      §6.5
  PUSH_PROMISE: 0x5, //  §6.6
  PING: 0x6, //          §6.7
  GOAWAY: 0x7, //        §6.8
  WINDOW_UPDATE: 0x8, // §6.9
  CONTINUATION: 0x9, //  §6.10
} as const;

export type FrameTypeName = keyof typeof FrameType;

const TYPE_NAMES = Object.keys(FrameType) as FrameTypeName[];

/** `frameTypeName(1)` → `"HEADERS"`; a type outside the registry → undefined. */
export function frameTypeName(type: number): FrameTypeName | undefined {
  return TYPE_NAMES[type];
}

/** Flag bits (RFC 9113 §6): the same bit means different things in different frame types. */
export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

type FlagName = keyof typeof Flag;

/** The flags each frame type defines, in bit order. Every other bit is unused and must be 0 (§4.1). */
const FLAGS_OF: Record<FrameTypeName, readonly FlagName[]> = {
  DATA: ['END_STREAM', 'PADDED'],
  HEADERS: ['END_STREAM', 'END_HEADERS', 'PADDED', 'PRIORITY'],
  PRIORITY: [],
  RST_STREAM: [],
  SETTINGS: ['ACK'],
  PUSH_PROMISE: ['END_HEADERS', 'PADDED'],
  PING: ['ACK'],
  GOAWAY: [],
  WINDOW_UPDATE: [],
  CONTINUATION: ['END_HEADERS'],
};

/**
 * The names of the defined flags set in `flags`. The lists are made once per type and flags byte and
 * shared (frozen): every frame needs one, and a fresh array per frame was measurable garbage.
 */
export function flagNames(type: number, flags: number): readonly string[] {
  const name = frameTypeName(type);
  if (name === undefined) return NO_FLAGS;
  const byFlags = (FLAG_NAMES[type] ??= []);
  return (byFlags[flags] ??= Object.freeze(FLAGS_OF[name].filter((f) => (flags & Flag[f]) !== 0)));
}

const NO_FLAGS: readonly string[] = Object.freeze([]);
const FLAG_NAMES: (readonly string[])[][] = [];

/** The bits of `flags` that `type` does not define (RFC 9113 §4.1: "MUST be left unset (0x00) when sending"). */
export function undefinedFlagBits(type: number, flags: number): number {
  const name = frameTypeName(type);
  if (name === undefined) return 0; // an unknown type's flags are its own business
  let defined = 0;
  for (const f of FLAGS_OF[name]) defined |= Flag[f];
  return flags & ~defined;
}
