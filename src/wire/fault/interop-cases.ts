// gRPC's negative HTTP/2 interop cases (grpc/grpc doc/negative-http2-interop-test-descriptions.md;
// their names are in src/protocol/negative-http2-cases.ts), each as the faults that make any server
// behave as that document's test server does. The client side of each case is
// `routeguide interop-client --test_case NAME` (src/services/testing/).
//
//   rst_after_header    RST_STREAM (code 0) right after the response headers
//   rst_during_data     RST_STREAM (code 0) once half of the response message has been sent
//   rst_after_data      RST_STREAM (code 0) after all the data, in place of the trailers
//   goaway              GOAWAY (its last stream id: the call just answered) after the first call
//   ping                PINGs before and after the response headers, and before and after the data;
//                       every one must be acknowledged
//   max_streams         SETTINGS_MAX_CONCURRENT_STREAMS = 1 from the start
//   data_frame_padding  the response's DATA in frames of 5 data bytes and 255 bytes of padding
//   no_df_padding_sanity_test   the same frames without padding

import type { NegativeHttp2Case } from '../../protocol/negative-http2-cases.js';
import type { FaultSpec } from './spec.js';

const NO_ERROR = 0x0;
const CANCEL_TO_SERVER = 'client' as const; // the code goes to the client, CANCEL to the server

/** The faults that play the document's server for `name`. */
export function expandInteropCase(name: NegativeHttp2Case): FaultSpec[] {
  const spec = (action: FaultSpec['action'], when: FaultSpec['when']): FaultSpec => ({
    label: name,
    action,
    when,
    where: {},
    percent: 100,
  });
  const rst = { kind: 'rst-stream', code: NO_ERROR, to: CANCEL_TO_SERVER } as const;
  const ping = { kind: 'ping', to: 'client', count: 1 } as const;
  switch (name) {
    case 'rst_after_header':
      return [spec(rst, { at: 'response-headers' })];
    case 'rst_during_data':
      return [spec(rst, { at: 'bytes', dir: 's2c', percent: 50 })];
    case 'rst_after_data':
      return [spec(rst, { at: 'trailers' })];
    case 'goaway':
      return [spec({ kind: 'goaway', code: NO_ERROR, to: 'client', debug: '' }, { at: 'calls', n: 1 })];
    case 'ping':
      return [
        spec(ping, { at: 'request' }),
        spec(ping, { at: 'response-headers' }),
        spec(ping, { at: 'bytes', dir: 's2c', n: 0 }),
        spec(ping, { at: 'trailers' }),
      ];
    case 'max_streams':
      return [spec({ kind: 'max-streams', value: 1 }, { at: 'connect' })];
    case 'data_frame_padding':
      return [spec({ kind: 'pad-data', data: 5, padding: 255, dir: 's2c' }, { at: 'request' })];
    case 'no_df_padding_sanity_test':
      return [spec({ kind: 'pad-data', data: 5, padding: 0, dir: 's2c' }, { at: 'request' })];
  }
}
