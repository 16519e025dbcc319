// The names of the interop cases our client runs (interop-cases.ts runs them), kept apart from the
// cases themselves: `routeguide interop-client` checks and lists them without loading the client.

/** Every case of doc/interop-test-descriptions.md this client implements, in the order of the descriptions. */
export const INTEROP_CASES = [
  'empty_unary',
  'large_unary',
  'client_compressed_unary',
  'server_compressed_unary',
  'client_streaming',
  'client_compressed_streaming',
  'server_streaming',
  'server_compressed_streaming',
  'ping_pong',
  'empty_stream',
  'timeout_on_sleeping_server',
  'cancel_after_begin',
  'cancel_after_first_response',
  'status_code_and_message',
  'special_status_message',
  'custom_metadata',
  'unimplemented_method',
  'unimplemented_service',
] as const;

/** The client side of every case of doc/negative-http2-interop-test-descriptions.md. */
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

export type PositiveCaseName = (typeof INTEROP_CASES)[number];
export type NegativeCaseName = (typeof NEGATIVE_HTTP2_CASES)[number];
export type InteropCaseName = PositiveCaseName | NegativeCaseName;

const ALL: readonly string[] = [...INTEROP_CASES, ...NEGATIVE_HTTP2_CASES];

export function isInteropCase(name: string): name is InteropCaseName {
  return ALL.includes(name);
}
