// gRPC's negative HTTP/2 interop cases in front of a server that is not ours: the tap's `--fault
// NAME` before the official Ruby interop server.rb (C-core 1.51, Debian ruby-grpc), our interop
// client's case of the same name on the other side. Each case passes as its description says a
// client must see it, the tap's frames are those of the case, and neither peer gets anything the
// tap's decoder warns about.

import t from 'tap';
import { NEGATIVE_HTTP2_CASES, runInteropCase } from '../../src/services/testing/index.js';
import type { TapEvent } from '../../src/wire/events.js';
import { faultTap, ofKind } from '../helpers/fault-peers.js';
import { findRubyInterop, startRubyServer } from '../helpers/ruby.js';

t.setTimeout(120_000);

const ruby = findRubyInterop(); // throws under CI=true when Ruby's grpc is missing
const skip = 'skip' in ruby ? ruby.skip : false;

/** The frame the tap must have written for each case. */
const TAP_FRAME: Record<(typeof NEGATIVE_HTTP2_CASES)[number], string> = {
  rst_after_header: 'RST_STREAM',
  rst_during_data: 'RST_STREAM',
  rst_after_data: 'RST_STREAM',
  goaway: 'GOAWAY',
  ping: 'PING',
  max_streams: 'SETTINGS',
  data_frame_padding: 'DATA',
  no_df_padding_sanity_test: 'DATA',
};

t.test("every case in front of Ruby's server.rb", { skip }, async (t) => {
  if ('skip' in ruby) return;
  const serverPort = await startRubyServer(t, ruby.serverRb);
  for (const name of NEGATIVE_HTTP2_CASES) {
    const { port, events } = await faultTap(t, serverPort, name);
    const failure = await runInteropCase(name, { host: '127.0.0.1', port }).then(
      () => undefined,
      (error: unknown) => (error as Error).message,
    );
    t.equal(failure, undefined, `${name}: our client's side passes`);
    await settled(events);
    t.ok(
      ofKind(events, 'fault').some((f) => f.fault === name && f.frame?.type === TAP_FRAME[name]),
      `${name}: the tap's ${TAP_FRAME[name]}`,
    );
    t.same(
      events.filter((e) => e.kind === 'warning' || e.kind === 'error').map((e) => ('note' in e ? e.note : e)),
      [],
      `${name}: no warning`,
    );
  }
});

/** Waits until the tap's events stop coming (the case's connections closed). */
async function settled(events: TapEvent[]): Promise<void> {
  for (let last = -1; last !== events.length;) {
    last = events.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
