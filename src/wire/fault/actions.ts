// What each fault does when it fires, on a connection (fault-connection.ts). Each kind is one
// function: the frames it sends (always valid where they go, RFC 9113 §5.1), the state it leaves,
// and the note it makes when it cannot apply (the traffic then goes on unchanged).

import { HEADER_CONTENT_TYPE, HEADER_GRPC_MESSAGE, HEADER_GRPC_STATUS, HEADER_STATUS } from '../../protocol/headers.js';
import { CONTENT_TYPE_GRPC } from '../../protocol/content-type.js';
import { Http2Code, http2CodeName } from '../../protocol/rst-code.js';
import { encodeStatusMessage } from '../../protocol/status-message.js';
import { statusName } from '../../protocol/status.js';
import { Setting } from '../h2/settings.js';
import type { EncoderField } from '../hpack/index.js';
import { towards, type FaultConnection } from './fault-connection.js';
import { dataFrame, goawayFrame, pingFrame, rstStreamFrame, settingsFrame } from './frames.js';
import type { OutItem } from './outlet.js';

/** A call's paced DATA goes in frames of at most this many milliseconds' worth of its rate… */
const PACING_SLICE_MS = 20;
/** …and at most the smallest SETTINGS_MAX_FRAME_SIZE a receiver may have (RFC 9113 §6.5.2). */
const MAX_PACED_FRAME = 16_384;
import type { Firing } from './planner.js';
import type { FaultAction } from './spec.js';
import type { StreamState } from './streams.js';

/**
 * Whether a fault acts before the frame that triggered it goes on (it holds, slows or cuts what
 * follows, that frame included) or after it (it adds frames). At `trailers` every fault acts before.
 */
export function timingOf(action: FaultAction): 'before' | 'after' {
  switch (action.kind) {
    case 'delay':
    case 'hang':
    case 'reset-peer':
    case 'latency':
    case 'bandwidth':
    case 'slice':
    case 'pad-data':
      return 'before';
    default:
      return 'after';
  }
}

export function applyFiring(c: FaultConnection, firing: Firing): void {
  const { spec } = firing;
  const action = spec.action;
  const s = firing.stream === undefined ? undefined : c.stream(firing.stream);
  const skip = (why: string) =>
    c.observer.note({ fault: spec.label, action: 'skip', stream: firing.stream, note: `not applied: ${why}` });
  switch (action.kind) {
    case 'rst-stream': {
      if (!s || s.over) return skip('the call had ended');
      const codes =
        action.to === 'client' ? { client: action.code, server: CANCEL } : { client: CANCEL, server: action.code };
      return endStream(c, s, spec.label, codes);
    }
    case 'abort':
      if (!s || s.over || s.response === 'ended') return skip('the response had ended');
      return abort(c, s, spec.label, action);
    case 'drop-trailers':
      if (!s || s.over) return skip('the call had ended');
      if (action.as === 'rst') return endStream(c, s, spec.label, { client: action.code, server: CANCEL });
      return endStream(
        c,
        s,
        spec.label,
        { client: Http2Code.NO_ERROR, server: CANCEL },
        {
          stream: s.id,
          bytes: dataFrame(s.id, Buffer.alloc(0), true),
          data: { cost: 0, spent: 0 },
          mark: {
            fault: spec.label,
            action: 'inject',
            note: 'the response ends on an empty DATA frame with END_STREAM, without trailers: a client ends the call with INTERNAL (PROTOCOL-HTTP2 Responses)',
          },
        },
      );
    case 'goaway':
      return goaway(c, spec.label, action);
    case 'ping':
      return ping(c, spec.label, action);
    case 'max-streams':
      return maxStreams(c, spec.label, action.value, spec.when.at === 'connect');
    case 'pad-data':
      if (!s || s.over) return skip('the call had ended');
      s.padding[action.dir] = { data: action.data, padding: action.padding, fault: spec.label };
      return;
    case 'delay': {
      if (action.scope === 'call' && (!s || s.over)) return skip('the call had ended');
      const stream = action.scope === 'call' ? s!.id : 0;
      const what =
        stream === 0 ? `every frame ${arrow(action.dir)}` : `the frames of stream ${stream} ${arrow(action.dir)}`;
      c.observer.note({
        fault: spec.label,
        action: 'hold',
        dir: action.dir,
        stream: firing.stream,
        note: `${what} held for ${action.ms} ms, order kept`,
      });
      c.outlets[action.dir].hold(stream, c.options.now() + action.ms, spec.label, () =>
        c.observer.note({
          fault: spec.label,
          action: 'release',
          dir: action.dir,
          stream: firing.stream,
          note: `${what} go on after ${action.ms} ms`,
        }),
      );
      return;
    }
    case 'bandwidth':
      for (const dir of directions(action.dir)) {
        if (action.scope === 'call') {
          if (!s || s.over) return skip('the call had ended');
          c.outlets[dir].pace(s.id, action.bytesPerSecond);
          // The pace is kept frame by frame: DATA goes in frames of at most a pacing slice's worth
          // (RFC 9113 §6.1: DATA may be split anywhere), or one large frame would go at once.
          const most = Math.min(
            MAX_PACED_FRAME,
            Math.max(64, Math.floor((action.bytesPerSecond * PACING_SLICE_MS) / 1000)),
          );
          const pad = s.padding[dir];
          s.padding[dir] = pad
            ? { ...pad, data: Math.min(pad.data, most) }
            : { data: most, padding: 0, fault: spec.label };
        } else c.shapers[dir].setBandwidth(action.bytesPerSecond);
      }
      return act(
        c,
        spec.label,
        firing.stream,
        `at most ${action.bytesPerSecond} bytes a second ${arrow(action.dir)}${action.scope === 'call' ? ` on stream ${firing.stream}'s DATA` : ''}`,
      );
    case 'latency':
      for (const dir of directions(action.dir)) c.shapers[dir].setLatency(action.ms, action.jitterMs);
      return act(
        c,
        spec.label,
        undefined,
        `each frame ${arrow(action.dir)} held ${action.ms} ms${action.jitterMs ? ` ± ${action.jitterMs} ms` : ''}, order kept`,
      );
    case 'slice':
      for (const dir of directions(action.dir)) c.shapers[dir].setSlice(action.min, action.max, action.gapMs);
      return act(
        c,
        spec.label,
        undefined,
        `writes ${arrow(action.dir)} cut into segments of ${action.min} to ${action.max} bytes${action.gapMs ? `, ${action.gapMs} ms apart` : ''}`,
      );
    case 'reset-peer': {
      act(
        c,
        spec.label,
        firing.stream,
        `TCP connection reset (RST) towards ${action.to === 'both' ? 'both peers' : `the ${action.to}`}`,
      );
      const sockets =
        action.to === 'client'
          ? [c.options.client]
          : action.to === 'server'
            ? [c.options.upstream]
            : [c.options.client, c.options.upstream];
      for (const socket of sockets) socket.resetAndDestroy();
      return;
    }
    case 'hang':
      for (const dir of directions(action.dir)) {
        c.pauseInput(dir);
        c.shapers[dir].hang();
      }
      act(
        c,
        spec.label,
        firing.stream,
        `nothing relayed ${arrow(action.dir)}${action.forMs === undefined ? '' : ` for ${action.forMs} ms`}; the sockets stay open`,
      );
      if (action.forMs !== undefined) {
        c.later(action.forMs, () => {
          act(c, spec.label, firing.stream, `relaying ${arrow(action.dir)} again`);
          for (const dir of directions(action.dir)) {
            c.unhang(dir);
            c.shapers[dir].resume();
          }
        });
      }
      return;
  }
}

const CANCEL = Http2Code.CANCEL;

/**
 * The tap ends `s` for both peers: what waits of it is dropped; the client gets `first` (a status,
 * the end of the response) if given, then RST_STREAM if its side is still open; then the server gets
 * RST_STREAM if its side is still open — once the client's frames have gone, so that the two sides
 * end in that order. From here every frame of the stream is dropped.
 */
function endStream(
  c: FaultConnection,
  s: StreamState,
  fault: string,
  codes: { client: number; server: number },
  first?: OutItem,
): void {
  for (const dir of ['c2s', 's2c'] as const) {
    for (const frame of c.outlets[dir].discard(s.id).frames) {
      c.observer.note({
        fault,
        action: 'drop',
        dir,
        stream: s.id,
        frame,
        note: `${frame.type} of stream ${s.id}, held by the tap, not passed on: the tap ends the stream`,
      });
    }
  }
  if (first) {
    s.response = 'ended';
    s.deliveredEnd.s2c = true;
  }
  const toClient = [first, s.closedForClient ? undefined : rst(s.id, codes.client, fault, 'client')].filter(
    (item) => item !== undefined,
  );
  const toServer = s.closedForServer ? undefined : rst(s.id, codes.server, fault, 'server');
  s.tapClosed = fault;
  s.reset = true;
  const last = toClient.at(-1);
  if (last && toServer) last.written = () => c.send('c2s', toServer);
  else if (toServer) c.send('c2s', toServer);
  for (const item of toClient) c.send('s2c', item);
  c.callOver(s);
}

function rst(stream: number, code: number, fault: string, to: 'client' | 'server'): OutItem {
  const why =
    to === 'server'
      ? code === CANCEL
        ? 'so that the server stops working on it'
        : 'to the server'
      : code === Http2Code.NO_ERROR
        ? 'the client learns the stream ended (PROTOCOL-HTTP2 Errors: with no status, the call fails)'
        : 'to the client (PROTOCOL-HTTP2 Errors)';
  return {
    stream,
    bytes: rstStreamFrame(stream, code),
    mark: { fault, action: 'inject', note: `RST_STREAM ${http2CodeName(code)} from the tap, ${why}` },
  };
}

/** abort: a status for the client (Trailers-Only, trailers, or an HTTP status); CANCEL for the server. */
function abort(
  c: FaultConnection,
  s: StreamState,
  fault: string,
  action: Extract<FaultAction, { kind: 'abort' }>,
): void {
  let fields: EncoderField[];
  let note: string;
  if (action.httpStatus !== undefined) {
    fields = [{ name: HEADER_STATUS, value: String(action.httpStatus) }];
    note = `an HTTP ${action.httpStatus} response: a client maps it to a gRPC status (doc/http-grpc-status-mapping.md)`;
  } else {
    const status = [
      { name: HEADER_GRPC_STATUS, value: String(action.status) },
      { name: HEADER_GRPC_MESSAGE, value: encodeStatusMessage(action.message) },
    ];
    if (s.response === 'none') {
      fields = [
        { name: HEADER_STATUS, value: '200' },
        { name: HEADER_CONTENT_TYPE, value: CONTENT_TYPE_GRPC },
        ...status,
      ];
      note = `Trailers-Only with ${statusName(action.status)} (${action.status}), from the tap (PROTOCOL-HTTP2 Responses)`;
    } else {
      fields = status;
      note = `trailers with ${statusName(action.status)} (${action.status}) after what the server sent, from the tap (PROTOCOL-HTTP2 Responses)`;
    }
  }
  // The client, if still sending, is then told to stop (PROTOCOL-HTTP2 "early server closure").
  endStream(
    c,
    s,
    fault,
    { client: Http2Code.NO_ERROR, server: CANCEL },
    {
      stream: s.id,
      bytes: Buffer.alloc(0),
      block: { fields, sizeUpdates: [], endStream: true, original: false, changesTable: false },
      mark: { fault, action: 'inject', note },
    },
  );
}

function goaway(c: FaultConnection, fault: string, action: Extract<FaultAction, { kind: 'goaway' }>): void {
  if (action.to === 'client') {
    if (c.goawayToClient)
      return c.observer.note({ fault, action: 'skip', note: 'not applied: the tap already sent GOAWAY to the client' });
    // The last stream the server has seen: anything the client opens after it is never passed on.
    const last = c.lastForwardedStream;
    c.goawayToClient = { lastStreamId: last, fault };
    c.send('s2c', {
      stream: 0,
      bytes: goawayFrame(last, action.code, action.debug),
      mark: {
        fault,
        action: 'inject',
        note: `GOAWAY ${http2CodeName(action.code)} from the tap, last stream id ${last}: the client opens no new stream here; streams above ${last} were not processed and may be retried (RFC 9113 §6.8)`,
      },
    });
  } else {
    if (c.goawayToServer)
      return c.observer.note({ fault, action: 'skip', note: 'not applied: the tap already sent GOAWAY to the server' });
    c.goawayToServer = true;
    c.send('c2s', {
      stream: 0,
      bytes: goawayFrame(0, action.code, action.debug),
      mark: {
        fault,
        action: 'inject',
        note: `GOAWAY ${http2CodeName(action.code)} from the tap to the server, last stream id 0 (the server opened none) (RFC 9113 §6.8)`,
      },
    });
  }
  if (action.closeAfterMs !== undefined) {
    c.later(action.closeAfterMs, () => {
      act(c, fault, undefined, `the tap closes the connection, ${action.closeAfterMs} ms after its GOAWAY`);
      c.options.client.end();
      c.options.upstream.end();
    });
  }
}

let pings = 0;

function ping(c: FaultConnection, fault: string, action: Extract<FaultAction, { kind: 'ping' }>): void {
  const sides = action.to === 'both' ? (['client', 'server'] as const) : [action.to];
  for (const side of sides) {
    for (let i = 0; i < action.count; i++) {
      // "tap" and a count: the opaque data tells the tap's PINGs (and their ACKs) from the peers'.
      const opaque = Buffer.alloc(8);
      opaque.write('tap', 0, 'latin1');
      opaque.writeUInt32BE(++pings >>> 0, 4);
      c.send(towards(side), {
        stream: 0,
        bytes: pingFrame(opaque),
        written: () => c.tapPings[side].set(opaque.toString('hex'), { sentAt: c.options.now(), fault }),
        mark: {
          fault,
          action: 'inject',
          note: `PING from the tap: the ${side} must answer with an ACK of the same 8 bytes (RFC 9113 §6.7)`,
        },
      });
    }
  }
  if (action.everyMs !== undefined) c.later(action.everyMs, () => ping(c, fault, action));
}

function maxStreams(c: FaultConnection, fault: string, value: number, fromTheStart: boolean): void {
  c.maxStreams = { value, fault, enforced: false };
  // From the start: the server's first SETTINGS carries it as it goes by. Later: a SETTINGS of the tap's own.
  if (fromTheStart) return;
  const settings = [{ id: Setting.SETTINGS_MAX_CONCURRENT_STREAMS, value }];
  c.send('s2c', {
    stream: 0,
    bytes: settingsFrame(settings),
    written: () => c.sentSettings.s2c.push({ origin: 'tap', settings, maxStreams: fault }),
    mark: {
      fault,
      action: 'inject',
      note: `SETTINGS from the tap: SETTINGS_MAX_CONCURRENT_STREAMS ${value}; the tap keeps the client's ACK (RFC 9113 §6.5.3)`,
    },
  });
}

function act(c: FaultConnection, fault: string, stream: number | undefined, note: string): void {
  c.observer.note({ fault, action: 'act', stream, note });
}

function directions(dir: 'c2s' | 's2c' | 'both'): ('c2s' | 's2c')[] {
  return dir === 'both' ? ['c2s', 's2c'] : [dir];
}

function arrow(dir: 'c2s' | 's2c' | 'both'): string {
  return dir === 'both' ? 'both ways' : dir === 'c2s' ? 'client → server' : 'server → client';
}
