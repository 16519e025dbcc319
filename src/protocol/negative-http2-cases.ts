// The cases of gRPC's negative HTTP/2 interop tests (doc/negative-http2-interop-test-descriptions.md
// in grpc/grpc), by name, in the document's order. Two sides use them: the tap's faults play each
// case's misbehaving server (src/wire/fault/interop-cases.ts), and our interop client runs its client
// side (src/services/testing/interop-cases.ts).

export const NEGATIVE_HTTP2_CASES = [
  'rst_after_header',
  'rst_during_data',
  'rst_after_data',
  'goaway',
  'ping',
  'max_streams',
  'data_frame_padding',
  'no_df_padding_sanity_test',
] as const;

export type NegativeHttp2Case = (typeof NEGATIVE_HTTP2_CASES)[number];

export function isNegativeHttp2Case(name: string): name is NegativeHttp2Case {
  return (NEGATIVE_HTTP2_CASES as readonly string[]).includes(name);
}
