// The fault SPEC parser (src/wire/fault/spec.ts) as tables: what each good SPEC means, and for each
// bad one the error that names the bad part. Then --faults files, and the negative interop cases.

import t from 'tap';
import { NEGATIVE_HTTP2_CASES } from '../../src/protocol/negative-http2-cases.js';
import { parseFault, parseFaultList, type FaultSpec } from '../../src/wire/fault/spec.js';

/** A spec as plain data (the globs as their source). */
function plain(spec: FaultSpec) {
  const where: Record<string, unknown> = { ...spec.where };
  if (spec.where.method) where.method = spec.where.method.source;
  if (spec.where.header) where.header = { name: spec.where.header.name, value: spec.where.header.value.source };
  return { action: spec.action, when: spec.when, where, percent: spec.percent, max: spec.max };
}

function one(text: string) {
  const parsed = parseFault(text);
  if ('error' in parsed) throw new Error(`${text}: ${parsed.error}`);
  return parsed.specs.map(plain);
}

const GOOD: [spec: string, expected: Partial<ReturnType<typeof plain>>][] = [
  // rst-stream: the code by name or number, to the client by default; after the response headers
  ['rst-stream', { action: { kind: 'rst-stream', code: 8, to: 'client' }, when: { at: 'response-headers' } }],
  ['rst-stream:code=REFUSED_STREAM,to=server', { action: { kind: 'rst-stream', code: 7, to: 'server' } }],
  ['rst-stream:code=0x2', { action: { kind: 'rst-stream', code: 2, to: 'client' } }],
  ['rst-stream:code=enhance_your_calm', { action: { kind: 'rst-stream', code: 11, to: 'client' } }],
  ['rst-stream:when=bytes:s2c:50%', { when: { at: 'bytes', dir: 's2c', percent: 50 } }],
  ['rst-stream:when=bytes:c2s:1024', { when: { at: 'bytes', dir: 'c2s', n: 1024 } }],
  ['rst-stream:when=message:s2c:3', { when: { at: 'message', dir: 's2c', n: 3 } }],
  ['rst-stream:when=trailers', { when: { at: 'trailers' } }],
  ['rst-stream:when=time:1.5s', { when: { at: 'time', ms: 1500 } }],
  // goaway
  [
    'goaway:code=ENHANCE_YOUR_CALM,close=500ms,debug=too_many_pings',
    {
      action: { kind: 'goaway', code: 11, to: 'client', closeAfterMs: 500, debug: 'too_many_pings' },
      when: { at: 'request' },
    },
  ],
  ['goaway:when=calls:3', { when: { at: 'calls', n: 3 } }],
  ['goaway:when=time:2s,conn=2', { when: { at: 'time', ms: 2000 }, where: { conn: 2 } }],
  // abort: the status by name or number; the message with %XX escapes
  ['abort:status=UNAVAILABLE', { action: { kind: 'abort', status: 14, message: 'fault injected by the tap' } }],
  ['abort:status=8,message=slow%2C down', { action: { kind: 'abort', status: 8, message: 'slow, down' } }],
  ['abort:status=unavailable,when=message:s2c:2', { when: { at: 'message', dir: 's2c', n: 2 } }],
  ['drop-trailers', { action: { kind: 'drop-trailers', as: 'data', code: 0 }, when: { at: 'trailers' } }],
  ['drop-trailers:as=rst,code=INTERNAL_ERROR', { action: { kind: 'drop-trailers', as: 'rst', code: 2 } }],
  ['delay:for=2s', { action: { kind: 'delay', ms: 2000, dir: 's2c', scope: 'call' }, when: { at: 'request' } }],
  [
    'delay:for=250ms,dir=c2s,scope=connection,when=connect',
    {
      action: { kind: 'delay', ms: 250, dir: 'c2s', scope: 'connection' },
      when: { at: 'connect' },
    },
  ],
  // (the bare names ping and goaway are the interop cases: the kinds take a parameter)
  ['ping:to=client', { action: { kind: 'ping', to: 'client', count: 1, everyMs: undefined }, when: { at: 'connect' } }],
  ['ping:to=both,count=3,every=1s', { action: { kind: 'ping', to: 'both', count: 3, everyMs: 1000 } }],
  ['max-streams:value=1', { action: { kind: 'max-streams', value: 1 }, when: { at: 'connect' } }],
  ['pad-data', { action: { kind: 'pad-data', data: 5, padding: 255, dir: 's2c' }, when: { at: 'request' } }],
  ['pad-data:data=100,padding=0,dir=c2s', { action: { kind: 'pad-data', data: 100, padding: 0, dir: 'c2s' } }],
  ['latency:time=0ms', { action: { kind: 'latency', ms: 0, jitterMs: 0, dir: 'both' }, when: { at: 'connect' } }],
  ['latency:time=50ms,jitter=10ms,dir=s2c', { action: { kind: 'latency', ms: 50, jitterMs: 10, dir: 's2c' } }],
  ['bandwidth:rate=10KB', { action: { kind: 'bandwidth', bytesPerSecond: 10_000, dir: 'both', scope: 'connection' } }],
  [
    'bandwidth:rate=1KiB/s,scope=call,dir=s2c,when=response-headers',
    {
      action: { kind: 'bandwidth', bytesPerSecond: 1024, dir: 's2c', scope: 'call' },
      when: { at: 'response-headers' },
    },
  ],
  ['slice', { action: { kind: 'slice', min: 1, max: 16, gapMs: 0, dir: 'both' } }],
  ['slice:min=2,max-bytes=3,gap=1ms,dir=c2s', { action: { kind: 'slice', min: 2, max: 3, gapMs: 1, dir: 'c2s' } }],
  ['reset-peer', { action: { kind: 'reset-peer', to: 'both' }, when: { at: 'request' } }],
  ['reset-peer:to=server,when=message:c2s:2', { action: { kind: 'reset-peer', to: 'server' } }],
  ['hang', { action: { kind: 'hang', dir: 'both', forMs: undefined } }],
  ['hang:dir=s2c,for=2s', { action: { kind: 'hang', dir: 's2c', forMs: 2000 } }],
  // where and how often
  ['rst-stream:method=/routeguide.RouteGuide/*', { where: { method: '^\\/routeguide\\.RouteGuide\\/.*$' } }],
  ['rst-stream:method=*Chat,call=2', { where: { method: '^.*Chat$', call: 2 } }],
  ['rst-stream:header=x-fault:y?s', { where: { header: { name: 'x-fault', value: '^y.s$' } } }],
  ['rst-stream:header=:authority:*:50051', { where: { header: { name: ':authority', value: '^.*:50051$' } } }],
  ['rst-stream:header=X-Test:*', { where: { header: { name: 'x-test', value: '^.*$' } } }],
  ['abort:status=14,percent=12.5,max=3', { percent: 12.5, max: 3 }],
  ['abort:status=14,percent=0', { percent: 0 }],
  ['goaway:method=*Get*,when=response-headers', { where: { method: '^.*Get.*$' } }],
];

t.test('good SPECs', async (t) => {
  for (const [text, expected] of GOOD) {
    const [spec] = one(text);
    t.match(spec, expected, text);
    t.equal(spec.percent, expected.percent ?? 100, `${text}: percent`);
  }
});

const BAD: [spec: string, error: string | RegExp][] = [
  ['', /unknown fault ""/],
  ['explode', /unknown fault "explode": one of rst-stream, .*, or a case: rst_after_header/],
  ['rst-stream:', /"" is not KEY=VALUE/],
  ['rst-stream:code', /"code" is not KEY=VALUE/],
  ['rst-stream:=5', /"=5" is not KEY=VALUE/],
  ['rst-stream:code=FOO', /^code: an HTTP\/2 error code \(NO_ERROR, .*\), got "FOO"$/],
  ['rst-stream:code=4294967296', /^code: an HTTP\/2 error code/],
  ['rst-stream:to=both', /^to: one of client, server, got "both"$/],
  [
    'rst-stream:colour=red',
    /^rst-stream takes no "colour" \(it takes code, to, when, percent, max, method, header, call, conn\)$/,
  ],
  ['rst-stream:code=1,code=2', /^code is given twice$/],
  ['rst-stream:when=later', /^when: connect, request, response-headers, .*, got "later"$/],
  ['rst-stream:when=connect', /^rst-stream acts on a call: when=connect is not on a call/],
  ['rst-stream:when=calls:2', /^rst-stream acts on a call: when=calls/],
  ['rst-stream:when=message:s2c:0', /^when: /],
  ['rst-stream:when=message:s2c:50%', /^when: /],
  ['rst-stream:when=bytes:up:5', /^when: /],
  ['rst-stream:when=bytes:s2c:101%', /^when: /],
  ['rst-stream:when=time:5', /^when: time: a duration like 0ms, 250ms, 2s or 1.5m, got "5"$/],
  ['rst-stream:when=calls:0', /^when: /],
  ['rst-stream:percent=101', /^percent: a percentage from 0 to 100, got "101"$/],
  ['rst-stream:percent=-1', /^percent: /],
  ['rst-stream:max=0', /^max: a whole number from 1 to 1000000, got "0"$/],
  ['rst-stream:call=first', /^call: a whole number/],
  ['rst-stream:header=no-colon', /^header: NAME:GLOB/],
  ['rst-stream:header=bad name:x', /^header: NAME:GLOB/],
  ['abort', /^status=CODE is required$/],
  ['abort:status=17', /^status: a gRPC status \(a name such as UNAVAILABLE, or 0 to 16\), got "17"$/],
  ['abort:status=SLOW', /^status: a gRPC status/],
  ['abort:status=14,message=%E0%A4%A', /^message: a value with %XX escapes of UTF-8/],
  ['drop-trailers:when=response-headers', /^drop-trailers happens at when=trailers only$/],
  ['drop-trailers:as=fin', /^as: one of data, rst, got "fin"$/],
  ['delay', /^for=DURATION is required$/],
  ['delay:for=2', /^for: a duration/],
  ['delay:for=2s,scope=stream', /^scope: one of call, connection/],
  ['delay:for=2s,dir=both', /^dir: one of c2s, s2c, got "both"$/],
  ['ping:count=0', /^count: a whole number from 1 to 1000/],
  ['max-streams', /^value=N is required$/],
  ['max-streams:value=-1', /^value: a whole number/],
  ['pad-data:padding=256', /^padding: a whole number from 0 to 255, got "256"$/],
  ['pad-data:data=0', /^data: a whole number from 1 to 16128/],
  ['latency', /^time=DURATION is required$/],
  ['latency:time=fast', /^time: a duration/],
  ['bandwidth', /^rate=BYTES is required$/],
  ['bandwidth:rate=0', /^rate: a number of bytes like 512, 10KB or 64KiB \(at least 1\), got "0"$/],
  ['bandwidth:rate=1TB', /^rate: a number of bytes/],
  ['slice:min=8,max-bytes=4', /^max-bytes \(4\) is below min \(8\)$/],
  ['reset-peer:to=nobody', /^to: one of client, server, both/],
  ['goaway:when=connect,method=*', /^method, header and call choose a call: they go with a trigger on a call/],
  ['latency:time=1ms,call=2', /^method, header and call choose a call/],
];

t.test('bad SPECs: each error names the bad part', async (t) => {
  for (const [text, error] of BAD) {
    const parsed = parseFault(text);
    if (!('error' in parsed)) {
      t.fail(`${text}: accepted`);
      continue;
    }
    t.match(parsed.error, error, text);
  }
});

t.test('the negative interop cases by name', async (t) => {
  for (const name of NEGATIVE_HTTP2_CASES) {
    const parsed = parseFault(name);
    t.ok('specs' in parsed && parsed.specs.length > 0 && parsed.specs.every((s) => s.label === name), name);
  }
  t.match(one('rst_after_header'), [
    { action: { kind: 'rst-stream', code: 0, to: 'client' }, when: { at: 'response-headers' } },
  ]);
  t.match(one('rst_during_data'), [{ when: { at: 'bytes', dir: 's2c', percent: 50 } }]);
  t.match(one('rst_after_data'), [{ when: { at: 'trailers' } }]);
  t.match(one('goaway'), [{ action: { kind: 'goaway', code: 0 }, when: { at: 'calls', n: 1 } }]);
  t.same(
    one('ping').map((s) => s.when),
    [{ at: 'request' }, { at: 'response-headers' }, { at: 'bytes', dir: 's2c', n: 0 }, { at: 'trailers' }],
    'PINGs before and after the response headers, before and after the data',
  );
  t.match(one('max_streams'), [{ action: { kind: 'max-streams', value: 1 }, when: { at: 'connect' } }]);
  t.match(one('data_frame_padding'), [{ action: { kind: 'pad-data', data: 5, padding: 255 } }]);
  t.match(one('no_df_padding_sanity_test'), [{ action: { kind: 'pad-data', data: 5, padding: 0 } }]);
  // A case's name alone is the case; the kind of the same name takes parameters.
  t.match(one('goaway:when=request'), [{ when: { at: 'request' } }]);
});

t.test('--faults FILE: a JSON list of SPEC strings or objects', async (t) => {
  const parsed = parseFaultList(
    JSON.stringify([
      'rst_after_header',
      'delay:for=1s',
      { kind: 'abort', status: 'UNAVAILABLE', method: '*GetFeature', percent: 50 },
      { kind: 'ping' },
    ]),
  );
  if ('error' in parsed) return t.fail(parsed.error);
  t.same(
    parsed.specs.map((s) => s.label),
    ['rst_after_header', 'delay:for=1s', 'abort:status=UNAVAILABLE,method=*GetFeature,percent=50', 'ping'],
  );
  t.match(plain(parsed.specs[2]), {
    action: { kind: 'abort', status: 14 },
    percent: 50,
    where: { method: '^.*GetFeature$' },
  });
  const bad: [string, RegExp][] = [
    ['{', /^not JSON: /],
    ['{"kind":"ping"}', /^a JSON list of faults/],
    ['[5]', /^entry 1 \(5\): each entry is a SPEC string or an object with a "kind"$/],
    ['[{"status":"OK"}]', /^entry 1 .*: the object has no "kind"$/],
    ['["ping", {"kind":"abort","status":[1]}]', /^entry 2 .*: status: a string or a number is wanted, got \[1\]$/],
    ['["ping", "abort"]', /^entry 2 \("abort"\): status=CODE is required$/],
  ];
  for (const [json, error] of bad) {
    const result = parseFaultList(json);
    t.match('error' in result ? result.error : 'accepted', error, json);
  }
});
