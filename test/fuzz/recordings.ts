// The recordings of real traffic the fuzzer mutates: test/fixtures/recordings/*.json, written by
// scripts/fuzz/record.ts (`npm run fuzz -- --record`, docs/fuzzing.md). Each file is one client
// against one server, and per TCP connection the bytes each way, one line per frame
// (frames.ts `pieceLine`: `HEADERS 00002b 01 04 00000001 8386…`).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineBytes, pieceLine, splitPieces, type Piece } from './frames.js';

export const RECORDINGS_DIR = fileURLToPath(new URL('../fixtures/recordings/', import.meta.url));

export interface RecordedConnection {
  c2s: Buffer;
  s2c: Buffer;
}

export interface Recording {
  /** The file name without `.json`. */
  name: string;
  client: string;
  server: string;
  connections: RecordedConnection[];
}

interface RecordingFile {
  client: string;
  server: string;
  connections: { c2s: string[]; s2c: string[] }[];
}

export function loadRecordings(dir = RECORDINGS_DIR): Recording[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const data = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RecordingFile;
      return {
        name: file.slice(0, -'.json'.length),
        client: data.client,
        server: data.server,
        connections: data.connections.map((c) => ({
          c2s: Buffer.concat(c.c2s.map(lineBytes)),
          s2c: Buffer.concat(c.s2c.map(lineBytes)),
        })),
      };
    });
}

export function saveRecording(recording: Recording, dir = RECORDINGS_DIR): string {
  const file: RecordingFile = {
    client: recording.client,
    server: recording.server,
    connections: recording.connections.map((c) => ({
      c2s: splitPieces(c.c2s, true).map(pieceLine),
      s2c: splitPieces(c.s2c, false).map(pieceLine),
    })),
  };
  const path = join(dir, `${recording.name}.json`);
  writeFileSync(path, `${JSON.stringify(file, null, 1)}\n`);
  return path;
}

/** Every recorded connection, with where it came from. */
export interface Sample {
  recording: string;
  index: number;
  c2s: Piece[];
  s2c: Piece[];
}

export function samples(recordings: Recording[]): Sample[] {
  return recordings.flatMap((r) =>
    r.connections.map((c, index) => ({
      recording: r.name,
      index,
      c2s: splitPieces(c.c2s, true),
      s2c: splitPieces(c.s2c, false),
    })),
  );
}
