// SETTINGS parameters: RFC 9113 §6.5.2 (the six of HTTP/2) and the "HTTP/2 Settings" registry
// (§11.3) entries added since: RFC 8441 §3 and RFC 9218 §2.1. An identifier outside this table is
// shown by number; RFC 9113 §6.5.2: "An endpoint that receives a SETTINGS frame with any unknown
// or unsupported identifier MUST ignore that setting."

export const Setting = {
  SETTINGS_HEADER_TABLE_SIZE: 0x1, //        initial 4096: the HPACK dynamic table the sender's decoder allows
  SETTINGS_ENABLE_PUSH: 0x2, //              initial 1; 0 or 1
  SETTINGS_MAX_CONCURRENT_STREAMS: 0x3, //   initial unlimited
  SETTINGS_INITIAL_WINDOW_SIZE: 0x4, //      initial 65,535; at most 2^31-1
  SETTINGS_MAX_FRAME_SIZE: 0x5, //           initial 16,384; 2^14..2^24-1
  SETTINGS_MAX_HEADER_LIST_SIZE: 0x6, //     initial unlimited
  SETTINGS_ENABLE_CONNECT_PROTOCOL: 0x8, //  RFC 8441 §3
  SETTINGS_NO_RFC7540_PRIORITIES: 0x9, //    RFC 9218 §2.1
} as const;

export type SettingName = keyof typeof Setting;

const NAMES = new Map<number, SettingName>(
  (Object.entries(Setting) as [SettingName, number][]).map(([name, id]) => [id, name]),
);

/** `settingName(4)` → `"SETTINGS_INITIAL_WINDOW_SIZE"`; an unknown identifier → `"0x00ff"`. */
export function settingName(id: number): string {
  return NAMES.get(id) ?? `0x${id.toString(16).padStart(4, '0')}`;
}

/** Initial values (RFC 9113 §6.5.2), in force until a SETTINGS frame changes them. */
export const INITIAL_HEADER_TABLE_SIZE = 4096;
export const INITIAL_WINDOW_SIZE = 65_535;
export const INITIAL_MAX_FRAME_SIZE = 16_384;
export const MAX_MAX_FRAME_SIZE = 2 ** 24 - 1;
export const MAX_WINDOW_SIZE = 2 ** 31 - 1;
