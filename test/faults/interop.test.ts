// gRPC's negative HTTP/2 interop cases (doc/negative-http2-interop-test-descriptions.md), both
// sides ours: the tap's `--fault NAME` plays the misbehaving server in front of our interop server,
// and our client's case of the same name checks what the description says a client must do. The
// tap's events show the server side of each case; without the fault, the client's case fails.
// Then the same through the command line, as a user runs it.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { Server } from '../../src/server/server.js';
import {
  NEGATIVE_HTTP2_CASES,
  runInteropCase,
  testServiceDefinition,
  testServiceHandlers,
} from '../../src/services/testing/index.js';
import type { TapEvent } from '../../src/wire/events.js';
import { builtCli } from '../helpers/cli-build.js';
import { faultTap, ofKind } from '../helpers/fault-peers.js';
import { untracked } from '../helpers/processes.js';
import { scratchDir } from '../helpers/scratch.js';

t.setTimeout(180_000);

const server = new Server({ onHandlerError: () => {} });
server.addService(testServiceDefinition(), testServiceHandlers());
const { port: serverPort } = await server.listen(0, '127.0.0.1');
t.teardown(() => server.close(0));

const target = (port: number) => ({ host: '127.0.0.1', port });

/** What the tap must show of each case's server side. */
const SERVER_SIDE: Record<(typeof NEGATIVE_HTTP2_CASES)[number], (t: Test, events: TapEvent[]) => void> = {
  rst_after_header(t, events) {
    const call = ofKind(events, 'call')[0];
    t.match(
      call,
      { end: 'rst_stream', statusName: 'INTERNAL', messages: { s2c: 0 } },
      'RST_STREAM NO_ERROR → INTERNAL',
    );
    t.ok(
      ofKind(events, 'frame').some((f) => f.type === 'HEADERS' && f.headerBlock?.kind === 'response'),
      'after the response headers',
    );
  },
  rst_during_data(t, events) {
    const cut = ofKind(events, 'fault').find((f) => f.action === 'alter' && f.frame?.type === 'DATA');
    t.ok(cut, 'a DATA frame cut where half of the response had gone');
    t.match(ofKind(events, 'call')[0], { end: 'rst_stream', messages: { s2c: 0 } });
    const sent =
      ofKind(events, 'frame')
        .filter((f) => f.dir === 's2c' && f.type === 'DATA')
        .reduce((n, f) => n + f.length, 0) + (cut?.frame?.length ?? 0);
    // The response: SimpleResponse{payload{body: 314,159 bytes}} = 1 + 3 (payload's tag and length)
    // + 1 + 3 (body's tag and length) + 314,159; its type COMPRESSABLE is 0, not on the wire.
    const message = 5 + 1 + 3 + 1 + 3 + 314_159;
    t.equal(sent, Math.floor(message / 2), 'half of the message (its prefix included) reached the client');
  },
  rst_after_data(t, events) {
    t.match(
      ofKind(events, 'call')[0],
      { end: 'rst_stream', messages: { s2c: 1 } },
      'the whole message, then RST_STREAM',
    );
    t.ok(
      ofKind(events, 'fault').some((f) => f.action === 'drop' && f.frame?.type === 'HEADERS'),
      'in place of the trailers',
    );
  },
  goaway(t, events) {
    t.equal(ofKind(events, 'connection').filter((e) => e.type === 'open').length, 2, 'two connections');
    const goaway = ofKind(events, 'fault').find((f) => f.frame?.type === 'GOAWAY');
    t.match(goaway?.frame, { lastStreamId: 1, errorCode: 'NO_ERROR' }, 'GOAWAY naming the call it answered');
  },
  ping(t, events) {
    const faults = ofKind(events, 'fault');
    t.equal(faults.filter((f) => f.action === 'inject' && f.frame?.type === 'PING').length, 4, 'four PINGs');
    const reports = faults.filter((f) => f.action === 'report');
    t.equal(reports.length, 4, 'four reports');
    t.ok(
      reports.every((r) => r.rttMs !== undefined),
      'every PING acknowledged, none outstanding at the end',
    );
  },
  max_streams(t, events) {
    const settings = ofKind(events, 'fault').find((f) => f.frame?.type === 'SETTINGS');
    t.match(settings?.frame, { settings: [['SETTINGS_MAX_CONCURRENT_STREAMS', 1]] });
    t.equal(ofKind(events, 'call').filter((c) => c.status === 0).length, 11, 'eleven calls, one at a time');
    t.notOk(
      ofKind(events, 'fault').some((f) => f.frame?.type === 'RST_STREAM'),
      'none refused: the client kept to the limit',
    );
  },
  data_frame_padding(t, events) {
    const padded = ofKind(events, 'fault').filter((f) => f.action === 'alter' && f.frame?.type === 'DATA');
    t.ok(padded.length > 60_000, `${padded.length} DATA frames`);
    t.ok(
      padded.every((f) => f.frame && 'padding' in f.frame && f.frame.padding === 255),
      'each with 255 bytes of padding',
    );
    t.ok(
      ofKind(events, 'fault').some((f) => f.frame?.type === 'WINDOW_UPDATE'),
      'WINDOW_UPDATEs kept for the padding',
    );
  },
  no_df_padding_sanity_test(t, events) {
    const frames = ofKind(events, 'fault').filter((f) => f.action === 'alter' && f.frame?.type === 'DATA');
    t.ok(frames.length > 60_000 && frames.every((f) => f.frame && !('padding' in f.frame)), 'small frames, not padded');
  },
};

for (const name of NEGATIVE_HTTP2_CASES) {
  t.test(`${name}: the tap's server side, our client's side`, async (t) => {
    const { port, events } = await faultTap(t, serverPort, name);
    await runInteropCase(name, target(port));
    await settled(events);
    SERVER_SIDE[name](t, events);
    t.same(
      events.filter((e) => e.kind === 'warning' || e.kind === 'error'),
      [],
      'no warning',
    );
  });
}

t.test("without the fault, the client's negative cases fail: they check something", async (t) => {
  for (const name of ['rst_after_header', 'rst_during_data', 'rst_after_data', 'goaway'] as const) {
    await t.rejects(runInteropCase(name, target(serverPort)), { name: 'InteropFailure' }, name);
  }
});

// ---- the command line ----

function spawned(args: string[]): { child: ChildProcess; output: () => string; done: Promise<number | null> } {
  const child = spawn(...untracked(process.execPath, [builtCli(), ...args]), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, output: () => output, done };
}

async function waitFor(what: () => RegExpExecArray | null, timeoutMs = 20_000): Promise<RegExpExecArray> {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    const m = what();
    if (m) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

t.test('routeguide tap --fault NAME, and routeguide interop-client --test_case NAME', async (t) => {
  const faults = join(scratchDir('routeguide-faults-'), 'faults.json');
  writeFileSync(faults, JSON.stringify(['ping']));
  const tap = spawned([
    'tap',
    '--listen',
    '0',
    '--upstream',
    `127.0.0.1:${serverPort}`,
    '--json',
    '--no-reflection',
    '--fault',
    'rst_after_header',
    '--faults',
    faults,
    '--fault-seed',
    '7',
  ]);
  t.teardown(() => tap.child.kill('SIGKILL'));
  const port = Number((await waitFor(() => /tap listening on 127\.0\.0\.1:(\d+)/.exec(tap.output())))[1]);
  // Printed after the address: it may come in a later read of the tap's output.
  t.ok(
    await waitFor(() => /tap faults: 5 configured; --fault-seed 7 repeats this run/.exec(tap.output())),
    'the faults configured, and the seed that repeats them',
  );
  const client = spawned([
    'interop-client',
    '--server_host',
    '127.0.0.1',
    '--server_port',
    String(port),
    '--test_case',
    'rst_after_header',
  ]);
  t.equal(await client.done, 0, client.output());
  t.match(client.output(), /^OK: rst_after_header$/m);
  tap.child.kill('SIGINT');
  await tap.done;
  const lines = tap
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TapEvent);
  const faultEvents = ofKind(lines, 'fault');
  t.ok(
    faultEvents.some((f) => f.fault === 'rst_after_header' && f.frame?.type === 'RST_STREAM'),
    'the RST_STREAM, as NDJSON',
  );
  t.ok(
    faultEvents.some((f) => f.fault === 'ping' && f.action === 'report'),
    'the PINGs of --faults',
  );

  const bad = spawned(['tap', '--listen', '0', '--upstream', '127.0.0.1:1', '--fault', 'abort:status=LATER']);
  t.equal(await bad.done, 2, 'a bad SPEC: exit 2');
  t.match(bad.output(), /--fault "abort:status=LATER": status: a gRPC status/);
});

/** Until every connection through the tap has closed. */
async function settled(events: TapEvent[]): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const opened = ofKind(events, 'connection').filter((e) => e.type === 'open').length;
    if (opened === ofKind(events, 'connection').filter((e) => e.type === 'close').length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
