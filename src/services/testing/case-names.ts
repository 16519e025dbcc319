// The names of the interop cases our client runs (interop-cases.ts runs them), kept apart from the
// cases themselves: `routeguide interop-client` checks and lists them without loading the client.
// The negative HTTP/2 cases' names are the protocol's (src/protocol/negative-http2-cases.ts).

import {
  isNegativeHttp2Case,
  NEGATIVE_HTTP2_CASES,
  type NegativeHttp2Case,
} from '../../protocol/negative-http2-cases.js';

export { NEGATIVE_HTTP2_CASES };

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

export type PositiveCaseName = (typeof INTEROP_CASES)[number];
export type InteropCaseName = PositiveCaseName | NegativeHttp2Case;

export function isInteropCase(name: string): name is InteropCaseName {
  return (INTEROP_CASES as readonly string[]).includes(name) || isNegativeHttp2Case(name);
}
