// The 17 gRPC status codes (doc/statuscodes.md). Numbers are the wire values of `grpc-status`.

export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type StatusName = keyof typeof Status;
export type StatusCode = (typeof Status)[StatusName];

const NAMES: readonly StatusName[] = Object.keys(Status) as StatusName[];

/** `statusName(5)` → `"NOT_FOUND"`; an out-of-range number gives `"CODE_<n>"`. */
export function statusName(code: number): string {
  return NAMES[code] ?? `CODE_${code}`;
}

export function isStatusCode(code: number): code is StatusCode {
  return Number.isInteger(code) && code >= 0 && code < NAMES.length;
}

/**
 * Parses a `grpc-status` header value. PROTOCOL-HTTP2: decimal ASCII, no leading zeros.
 * Returns undefined for anything else, including numbers outside the 17 codes.
 */
export function parseStatusCode(value: string): StatusCode | undefined {
  if (!/^(0|[1-9]\d?)$/.test(value)) return undefined;
  const code = Number(value);
  return isStatusCode(code) ? code : undefined;
}
