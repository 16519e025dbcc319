// The transcripts of docs/wire/, in the order of its index, and the index itself: each made from a
// real run through the tap (transcript.ts), or skipped with the reason when its peer is missing.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexMarkdown } from './index-page.js';
import { transcriptMarkdown, type Transcript } from './transcript.js';
import { bdpGrpcGo } from './transcripts/bdp-grpc-go.js';
import { cancel } from './transcripts/cancel.js';
import { compression } from './transcripts/compression.js';
import { deadline } from './transcripts/deadline.js';
import { faultDelayDeadline } from './transcripts/fault-delay-deadline.js';
import { faultGoawayRouteChat } from './transcripts/fault-goaway-route-chat.js';
import { faultRstAfterHeader } from './transcripts/fault-rst-after-header.js';
import { flowControl } from './transcripts/flow-control.js';
import { getFeature } from './transcripts/get-feature.js';
import { gracefulShutdown } from './transcripts/graceful-shutdown.js';
import { hpack } from './transcripts/hpack.js';
import { keepalive } from './transcripts/keepalive.js';
import { listFeatures } from './transcripts/list-features.js';
import { maxStreams } from './transcripts/max-streams.js';
import { messageFrames } from './transcripts/message-frames.js';
import { metadata } from './transcripts/metadata.js';
import { recordRoute } from './transcripts/record-route.js';
import { routeChatGrpcGo } from './transcripts/route-chat-grpc-go.js';
import { routeChat } from './transcripts/route-chat.js';
import { tls } from './transcripts/tls.js';
import { tooManyPings } from './transcripts/too-many-pings.js';
import { trailersOnly } from './transcripts/trailers-only.js';

export const TRANSCRIPTS: readonly Transcript[] = [
  getFeature,
  listFeatures,
  recordRoute,
  routeChat,
  routeChatGrpcGo,
  bdpGrpcGo,
  messageFrames,
  flowControl,
  cancel,
  deadline,
  trailersOnly,
  metadata,
  compression,
  hpack,
  keepalive,
  tooManyPings,
  gracefulShutdown,
  maxStreams,
  tls,
  faultRstAfterHeader,
  faultGoawayRouteChat,
  faultDelayDeadline,
];

/** The index of docs/wire/. */
export const INDEX_FILE = 'README.md';

export type Outcome = { file: string; text: string } | { file: string; skipped: string };

/** Makes the transcripts (all, or those whose file is in `only`) and the index, one after the other. */
export async function generateTranscripts(only?: readonly string[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const transcript of TRANSCRIPTS) {
    if (only && !only.includes(transcript.file)) continue;
    const skipped = transcript.unavailable?.();
    if (skipped !== undefined) {
      outcomes.push({ file: transcript.file, skipped });
      continue;
    }
    outcomes.push({ file: transcript.file, text: transcriptMarkdown(transcript, await transcript.record()) });
  }
  if (!only || only.includes(INDEX_FILE)) outcomes.push({ file: INDEX_FILE, text: indexMarkdown(TRANSCRIPTS) });
  return outcomes;
}

/** Writes what generateTranscripts made into `dir`; a skipped transcript's file is left as it is. */
export async function writeTranscripts(dir: string, only?: readonly string[]): Promise<Outcome[]> {
  const outcomes = await generateTranscripts(only);
  mkdirSync(dir, { recursive: true });
  for (const outcome of outcomes) if ('text' in outcome) writeFileSync(join(dir, outcome.file), outcome.text);
  return outcomes;
}
