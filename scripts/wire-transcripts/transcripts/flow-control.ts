import { setTimeout as sleep } from 'node:timers/promises';
import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import type { TapEvent } from '../../../src/wire/events.js';
import { closeStep } from '../common-steps.js';
import { frame, framesOf, message, setting } from '../events.js';
import { code, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/** The client's receive window, per stream and for the connection: small, so that a few notes fill it. */
const WINDOW = 16_384;
/** The notes: at distinct locations, so each is answered by itself alone. */
const NOTE_COUNT = 8;
const MESSAGE_LENGTH = 12_000;
const NOTES = Array.from({ length: NOTE_COUNT }, (_, i) => ({
  location: { latitude: i + 1, longitude: i + 1 },
  message: String.fromCharCode(0x61 + i).repeat(MESSAGE_LENGTH),
}));
/** How long the server's credit must stay used up before the script counts the stream as stalled. */
const STILL_MS = 300;
/** How often the script looks at what the tap has seen. */
const POLL_MS = 20;
/** How much of each message the tap shows. */
const SHOWN_BODY = 40;

/** The credit the client has given on stream 1: its initial window and every increment since. */
const credit = (events: readonly TapEvent[]) =>
  WINDOW +
  framesOf(events, 'WINDOW_UPDATE', { dir: 'c2s', stream: 1 }).reduce((sum, f) => sum + (f.windowIncrement ?? 0), 0);

/**
 * Whether the server stalls before `echo` comes: its DATA on stream 1 has used up the client's
 * credit, and stays so for STILL_MS (the client's node:http2 gives credit back in the same turn in
 * which it takes bytes, so a credit that stays used up is a stall, however loaded the machine).
 */
async function stalledBefore(scene: Scene, echo: Promise<unknown>): Promise<boolean> {
  let echoed = false;
  const stalled = (async () => {
    for (;;) {
      await sleep(POLL_MS);
      if (echoed) return false;
      if (serverBytes(scene.events) < credit(scene.events)) continue;
      await sleep(STILL_MS);
      if (echoed) return false;
      if (serverBytes(scene.events) === credit(scene.events)) return true;
    }
  })();
  // The echo wins as soon as the tap shows it, so that the next note goes out at once.
  return Promise.race([
    echo.then(() => {
      echoed = true;
      return false;
    }),
    stalled,
  ]);
}

/** Bytes of DATA the server has sent on stream 1 so far. */
const serverBytes = (events: readonly TapEvent[]) =>
  framesOf(events, 'DATA', { dir: 's2c', stream: 1 }).reduce((sum, f) => sum + f.length, 0);

export const flowControl: Transcript = {
  file: 'flow-control.md',
  title: 'Flow control: a RouteChat reader that stops reading stalls the server',
  summary:
    "a client with a 16 KiB window that does not read its replies: the server's DATA stops at the window, and resumes with each stream-level WINDOW_UPDATE",
  intro: `
Our client, with a receive window of ${WINDOW.toLocaleString('en')} bytes per stream
(\`new Channel(target, { initialWindowSize: ${WINDOW} })\`), sends RouteChat notes of
${MESSAGE_LENGTH.toLocaleString('en')} letters at distinct locations, one at a time, and does not
read the replies. The server echoes each note until the client's window is used up; then it may send
no more, and its handler waits in \`await call.send()\`. When the server has used up the client's
credit and an echo has not come, the script starts reading, and the server's DATA flows again, as WINDOW_UPDATEs give it credit
(${rfc9113('5.2')}, ${rfc9113('6.9')}). The tap shows the first ${SHOWN_BODY} bytes of each message.`,
  async record() {
    const scene = await Scene.start({}, { maxBody: SHOWN_BODY });
    const channel = scene.channel({ initialWindowSize: WINDOW });
    await scene.connect(channel);
    const chat = routeGuideClient(channel).routeChat();
    let reading: Promise<void> | undefined;
    for (const [i, note] of NOTES.entries()) {
      void chat.send(note);
      const echo = scene.until(`the echo of note ${i + 1}`, message('s2c', 1, i + 1));
      if (reading || !(await stalledBefore(scene, echo))) {
        await echo;
        continue;
      }
      // The server used up the client's credit before the echo was whole: read from here on.
      scene.mark('reading');
      reading = (async () => {
        for await (const reply of chat) void reply;
      })();
      await echo;
    }
    chat.closeSend();
    await reading;
    await scene.until('the trailers', frame('HEADERS', { dir: 's2c', stream: 1, flags: ['END_STREAM'] }));
    return scene.finish();
  },
  steps: [
    {
      title: 'The connection: a 16 KiB window',
      lead: 'c2s',
      c2s: frame('SETTINGS', { flags: ['ACK'] }),
      s2c: frame('SETTINGS', { flags: ['ACK'] }),
      text: `
The client's SETTINGS_INITIAL_WINDOW_SIZE is ${WINDOW.toLocaleString('en')}: on each stream the server
may send that many bytes of DATA before the client gives more credit
(${code('src/client/channel.ts:Channel.constructor')}). The connection's window is HTTP/2's initial
65,535 bytes, which SETTINGS do not change (${rfc9113('6.9.2')}); the client leaves it as it is,
since it asks for no more than that (${code('src/protocol/flow-control.ts:widenConnectionWindow')}).`,
      shows: [
        {
          says: `The client's SETTINGS_INITIAL_WINDOW_SIZE is ${WINDOW.toLocaleString('en')}`,
          holds: (s) => setting(s, 'c2s', 'SETTINGS_INITIAL_WINDOW_SIZE') === WINDOW,
        },
        {
          says: 'the client leaves it as it is',
          holds: (s) => framesOf(s, 'WINDOW_UPDATE', { dir: 'c2s' }).length === 0,
        },
      ],
    },
    {
      title: 'The notes go out; the replies stop at the window',
      lead: 'c2s',
      before: 'reading',
      text: `
The script sends a note and waits for the tap to show its echo before it sends the next. The
server's window for the client's stream is its own 65,535 bytes, so the notes go out as they are
sent; the server reads them, and the handler echoes each
(${code('src/services/routeguide/service.ts:routeGuideHandlers.routeChat')}).

The client's caller does not iterate, but its side still takes the first replies: the reader
(${code('src/call/reader.ts:MessageReader')}) queues messages for a caller that is not reading, up to
its high-water marks (${code('src/call/reader.ts:HIGH_WATER_MARK')}, 64 messages, or
${code('src/call/reader.ts:HIGH_WATER_BYTES')}, 16 KiB of bodies), then pauses the HTTP/2 stream; node:http2 keeps what comes after in the stream's own buffer until
that is full too. For every byte taken so far, node:http2 gives credit back: the client's
WINDOW_UPDATEs on stream 1. Then it takes no more, and gives no more credit.

So the server's DATA on the stream stops where the credit does: at the client's initial window plus
every increment the client sent, ${WINDOW.toLocaleString('en')} + 3 × 12,014 = 52,426 bytes, in the
middle of the fifth reply. On the server, \`await call.send()\` does not resolve: node:http2 holds the bytes it
may not send, the stream's buffer fills, and the writer waits for 'drain'
(${code('src/call/writer.ts:MessageWriter.writeFramed')}). The handler stops, and with it the reading
of the notes. A reader that stops slows its sender down, end
to end, instead of growing anyone's memory.

The server's own WINDOW_UPDATE on stream 1 gives the client credit for the notes it has read: half
of the 65,535-byte window or more, as node:http2 does it (nghttp2 returns credit once half of a
window has been taken; RFC 9113 leaves when to the receiver).`,
      shows: [
        {
          says: "So the server's DATA on the stream stops where the credit does",
          holds: (s) =>
            serverBytes(s) ===
            WINDOW +
              framesOf(s, 'WINDOW_UPDATE', { dir: 'c2s', stream: 1 }).reduce(
                (sum, f) => sum + (f.windowIncrement ?? 0),
                0,
              ),
        },
        {
          says: `${WINDOW.toLocaleString('en')} + 3 × 12,014 = 52,426 bytes, in the middle of the fifth reply`,
          holds: (s) => {
            const credit = framesOf(s, 'WINDOW_UPDATE', { dir: 'c2s', stream: 1 }).map((f) => f.windowIncrement);
            const last = framesOf(s, 'DATA', { dir: 's2c', stream: 1 }).at(-1);
            return (
              credit.join(' ') === '12014 12014 12014' &&
              serverBytes(s) === 52_426 &&
              last?.segments?.at(-1)?.message === 5 &&
              last.segments.at(-1)?.part === 'start'
            );
          },
        },
      ],
    },
    {
      title: 'The client reads: WINDOW_UPDATE, and the DATA flows again',
      lead: 'c2s',
      c2s: frame('DATA', { stream: 1, flags: ['END_STREAM'] }),
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
When the server has used up the credit and the echo has not come, the script starts iterating the replies
(\`for await (const reply of chat)\`): the reader hands on its queue and resumes the stream, node:http2
hands on its buffer, and the client gives the server credit again, a WINDOW_UPDATE on stream 1 for
what it takes (${rfc9113('6.9')}). The server's DATA follows: the rest of the stalled reply, then the
next ones, as the script sends the remaining notes and half-closes.

Now the connection's window runs out too: the client never widened it, and every byte of DATA on any
stream counts against it as well (${rfc9113('5.2')}). The server's DATA on the connection reaches
65,535 bytes, and waits for the client's WINDOW_UPDATEs on stream 0, which come as the client
takes the bytes; on both levels, how much credit goes back at a time is node:http2's choice.`,
      shows: [
        {
          says: 'a WINDOW_UPDATE on stream 1 for what it takes',
          holds: (s) => framesOf(s, 'WINDOW_UPDATE', { dir: 'c2s', stream: 1 }).length > 0,
        },
        {
          says: "The server's DATA on the connection reaches 65,535 bytes, and waits for the client's WINDOW_UPDATEs on stream 0",
          holds: (s, all) => {
            let sum = 0;
            const totals = framesOf(all, 'DATA', { dir: 's2c' }).map((f) => (sum += f.length));
            return totals.includes(65_535) && framesOf(s, 'WINDOW_UPDATE', { dir: 'c2s', stream: 0 }).length > 0;
          },
        },
      ],
    },
    closeStep(),
  ],
};
