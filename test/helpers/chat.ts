// RouteChat as the canonical client does it, for tests: send notes, collect every reply.

import type { RouteGuideClient } from '../../src/services/routeguide/client.js';
import type { RouteNote } from '../../src/services/routeguide/types.js';

/** The canonical six notes of the grpc-go example client. */
export const CANONICAL_NOTES: readonly RouteNote[] = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].map(
  (word, i) => ({ location: { latitude: 0, longitude: (i % 3) + 1 }, message: `${word} message` }),
);

/** A reply as the canonical client prints it. */
export const chatLine = (note: RouteNote) =>
  `Got message ${note.message} at point(${note.location?.latitude ?? 0}, ${note.location?.longitude ?? 0})`;

/** Sends `notes` on one RouteChat call and resolves with the replies as printed lines (rejects with the call's error). */
export async function chatLines(
  client: RouteGuideClient,
  notes: readonly RouteNote[] = CANONICAL_NOTES,
  deadlineMs = 10_000,
): Promise<string[]> {
  const call = client.routeChat({ deadline: Date.now() + deadlineMs });
  const lines: string[] = [];
  const received = (async () => {
    for await (const note of call) lines.push(chatLine(note));
  })();
  try {
    for (const note of notes) await call.send(note);
    call.closeSend();
  } catch {
    // the call ended early: its error comes from `received`
  }
  await received;
  return lines;
}
