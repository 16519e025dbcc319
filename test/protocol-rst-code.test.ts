// PROTOCOL-HTTP2 "Errors": RST_STREAM error code → gRPC status.

import t from 'tap';
import { constants } from 'node:http2';
import { codeFromRstCode, http2CodeName, Http2Code } from '../src/protocol/rst-code.js';
import { Status, statusName, type StatusCode } from '../src/protocol/status.js';

t.test('RST_STREAM code → gRPC code', async (t) => {
  const cases: Array<[rst: number, code: StatusCode]> = [
    [Http2Code.NO_ERROR, Status.INTERNAL], // a status should have been sent
    [Http2Code.PROTOCOL_ERROR, Status.INTERNAL],
    [Http2Code.INTERNAL_ERROR, Status.INTERNAL],
    [Http2Code.FLOW_CONTROL_ERROR, Status.INTERNAL],
    [Http2Code.SETTINGS_TIMEOUT, Status.INTERNAL],
    [Http2Code.STREAM_CLOSED, Status.INTERNAL],
    [Http2Code.FRAME_SIZE_ERROR, Status.INTERNAL],
    [Http2Code.REFUSED_STREAM, Status.UNAVAILABLE], // no processing occurred
    [Http2Code.CANCEL, Status.CANCELLED],
    [Http2Code.COMPRESSION_ERROR, Status.INTERNAL],
    [Http2Code.CONNECT_ERROR, Status.INTERNAL],
    [Http2Code.ENHANCE_YOUR_CALM, Status.RESOURCE_EXHAUSTED], // resource = bandwidth
    [Http2Code.INADEQUATE_SECURITY, Status.PERMISSION_DENIED],
    [Http2Code.HTTP_1_1_REQUIRED, Status.INTERNAL],
    [0xff, Status.INTERNAL], // unknown codes
  ];
  for (const [rst, code] of cases) t.equal(codeFromRstCode(rst), code, `${http2CodeName(rst)} → ${statusName(code)}`);
});

t.test('HTTP/2 error code numbers and names (RFC 9113 §7)', async (t) => {
  const cases: Array<[code: number, name: string]> = [
    [0x0, 'NO_ERROR'],
    [0x1, 'PROTOCOL_ERROR'],
    [0x2, 'INTERNAL_ERROR'],
    [0x3, 'FLOW_CONTROL_ERROR'],
    [0x4, 'SETTINGS_TIMEOUT'],
    [0x5, 'STREAM_CLOSED'],
    [0x6, 'FRAME_SIZE_ERROR'],
    [0x7, 'REFUSED_STREAM'],
    [0x8, 'CANCEL'],
    [0x9, 'COMPRESSION_ERROR'],
    [0xa, 'CONNECT_ERROR'],
    [0xb, 'ENHANCE_YOUR_CALM'],
    [0xc, 'INADEQUATE_SECURITY'],
    [0xd, 'HTTP_1_1_REQUIRED'],
    [0xe, '0xe'],
    [0x1ff, '0x1ff'],
  ];
  for (const [code, name] of cases) {
    t.equal(http2CodeName(code), name, `0x${code.toString(16)}`);
    if (!name.startsWith('0x')) t.equal((Http2Code as Record<string, number>)[name], code, `Http2Code.${name}`);
  }
});

t.test('Http2Code agrees with node:http2 constants', async (t) => {
  const node = constants as unknown as Record<string, number>;
  for (const [name, code] of Object.entries(Http2Code)) t.equal(node[`NGHTTP2_${name}`], code, name);
});
