// What the documents say about the wire and about measurements comes from a recording or a run, so
// it cannot drift from them:
//
// - an excerpt marked `<!-- excerpt of docs/wire/X.md -->` is made of lines of that transcript, in
//   its order ("…" stands for lines left out);
// - each sequence diagram of docs/reading-order.md names its transcript (`%% transcript: wire/X.md`)
//   and draws nothing that transcript does not show: its frames in each direction come in the
//   transcript's order, and its message prefixes, SETTINGS values, window increments, RST_STREAM
//   codes, last stream ids and counts of messages per DATA frame are the transcript's (the branches
//   after `else` draw what the run did not do, and are not checked);
// - the figures of docs/reading-order.md's "Code that exists only for speed" are figures of
//   docs/benchmarks.md, whose tables are bench/results/latest.md as the last run wrote it;
// - the bytes docs/reading-order.md walks through in its chapter on frames and HPACK read, in the
//   tap's own decoders, as the chapter says.
//
// docs/wire/ itself is checked against a fresh run by test/docs/wire.test.ts.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { FrameParser } from '../../src/wire/h2/frame-parser.js';
import { HpackDecoder } from '../../src/wire/hpack/decoder.js';
import { HpackError } from '../../src/wire/hpack/errors.js';
import { HUFFMAN_CODES } from '../../src/wire/hpack/huffman-table.js';
import { decodeInteger } from '../../src/wire/hpack/integer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The lines of a transcript's ```text blocks: what the tap printed. */
function transcriptLines(path: string): string[] {
  const blocks = [...read(path).matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((block) => block.split('\n')).filter((line) => line !== '');
}

/** The lines of `wanted` not found in `lines` in order (each after the one before). */
function missingInOrder(wanted: readonly string[], lines: readonly string[]): string[] {
  const missing: string[] = [];
  let at = 0;
  for (const line of wanted) {
    const found = lines.indexOf(line, at);
    if (found < 0) missing.push(line);
    else at = found + 1;
  }
  return missing;
}

const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

t.test('every excerpt of a transcript is made of its lines, in order', async (t) => {
  let excerpts = 0;
  for (const doc of DOCUMENTS) {
    for (const m of read(doc).matchAll(/<!-- excerpt of (\S+) -->\n```text\n([\s\S]*?)```/g)) {
      excerpts++;
      const wanted = m[2].split('\n').filter((line) => line !== '' && line !== '…');
      t.same(missingInOrder(wanted, transcriptLines(m[1])), [], `${doc}: the excerpt of ${m[1]}`);
    }
  }
  t.ok(excerpts >= 1, `${excerpts} excerpts (docs/tap.md has one)`);
});

const FRAME_TYPES =
  /\b(DATA|HEADERS|PRIORITY|RST_STREAM|SETTINGS|PUSH_PROMISE|PING|GOAWAY|WINDOW_UPDATE|CONTINUATION)\b/g;

interface Diagram {
  transcript: string | undefined;
  /** The frames drawn between client and server, outside `else` branches: direction and text. */
  frames: { dir: 'C→S' | 'S→C'; text: string }[];
}

/** The sequence diagrams of `markdown`, each with its transcript and the frames it draws. */
function diagrams(markdown: string): Diagram[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => {
    const lines = m[1].split('\n').map((line) => line.trim());
    const transcript = lines.map((line) => /^%% transcript: (\S+)$/.exec(line)?.[1]).find(Boolean);
    const frames: Diagram['frames'] = [];
    let inElse = false;
    for (const line of lines) {
      if (/^else\b/.test(line)) inElse = true;
      else if (line === 'end') inElse = false;
      const arrow = /^([CS])->>([CS]): (.*)$/.exec(line);
      if (arrow && arrow[1] !== arrow[2] && !inElse)
        frames.push({ dir: arrow[1] === 'C' ? 'C→S' : 'S→C', text: arrow[3] });
    }
    return { transcript, frames };
  });
}

/** What a diagram's frame says that its transcript must show, as the transcript writes it. */
function facts(text: string): string[] {
  const found: string[] = [];
  for (const [, flag, length] of text.matchAll(/\b(0[01]) ([0-9a-f]{8})\b/g))
    found.push(`prefix flag 0x${flag} length 0x${length}`);
  for (const [, name, value] of text.matchAll(
    /\b(HEADER_TABLE_SIZE|ENABLE_PUSH|MAX_CONCURRENT_STREAMS|INITIAL_WINDOW_SIZE|MAX_FRAME_SIZE|MAX_HEADER_LIST_SIZE) (\d+)/g,
  ))
    found.push(`SETTINGS_${name} = ${value}`);
  for (const [, increment] of text.matchAll(/WINDOW_UPDATE stream \d+, \+(\d+)/g))
    found.push(`window increment: ${increment}`);
  for (const [, code] of text.matchAll(/RST_STREAM ([A-Z_]+)/g)) found.push(`error code: ${code}`);
  for (const [, id] of text.matchAll(/last stream id (\d+)/g)) found.push(`last stream id: ${id}`);
  for (const [, count] of text.matchAll(/(\d+) messages in one frame/g))
    found.push(`${count} messages in one DATA frame`);
  return found;
}

t.test('docs/reading-order.md: each diagram draws what its transcript shows', async (t) => {
  const all = diagrams(read('docs/reading-order.md'));
  t.ok(all.length >= 8, `${all.length} diagrams`);
  let checked = 0;
  for (const [i, diagram] of all.entries()) {
    const name = `diagram ${i + 1}`;
    if (!diagram.transcript) {
      t.fail(`${name} names no transcript (%% transcript: wire/….md)`);
      continue;
    }
    const path = join('docs', diagram.transcript);
    const lines = transcriptLines(path);
    const text = lines.join('\n');
    const missing = diagram.frames.flatMap((f) => facts(f.text)).filter((fact) => !text.includes(fact));
    checked += diagram.frames.flatMap((f) => facts(f.text)).length;
    t.same(missing, [], `${name}: its figures are in ${path}`);
    for (const dir of ['C→S', 'S→C'] as const) {
      const drawn = diagram.frames
        .filter((f) => f.dir === dir)
        .flatMap((f) => [...f.text.matchAll(FRAME_TYPES)].map((m) => m[1]));
      const shown = lines.flatMap((line) => {
        const frame = new RegExp(`^#\\d+ +s\\d+ +${dir} ([A-Z_]+) `).exec(line);
        return frame ? [frame[1]] : [];
      });
      t.same(missingInOrder(drawn, shown), [], `${name}: its ${dir} frames come in the order of ${path}`);
    }
  }
  t.ok(checked >= 20, `${checked} figures checked`);
});

t.test('docs/reading-order.md: the figures of the speed-only code are those of docs/benchmarks.md', async (t) => {
  const page = read('docs/reading-order.md');
  const section = page.slice(page.indexOf('## 4. Code that exists only for speed'), page.indexOf('## 5.'));
  const numbers = (text: string) => new Set(text.match(/\d[\d,]*(?:\.\d+)?/g));
  const measured = numbers(read('docs/benchmarks.md'));
  const figures = [...section.matchAll(/(\d[\d,]*(?:\.\d+)?)(?=[ –→]*(?:\d[\d,.]*)?\s?(?:×|ns|µs|MB|KB|ms|%))/g)].map(
    (m) => m[1],
  );
  t.ok(figures.length >= 15, `${figures.length} figures`);
  t.same(
    figures.filter((figure) => !measured.has(figure)),
    [],
    'each is in docs/benchmarks.md',
  );
});

t.test("docs/benchmarks.md: the tables are the last run's, as bench/results/latest.md has them", async (t) => {
  const page = read('docs/benchmarks.md');
  const shown = /<!-- bench\/results\/latest\.md: start -->\n([\s\S]*?)\n<!-- bench\/results\/latest\.md: end -->/.exec(
    page,
  )?.[1];
  t.equal(shown, read('bench/results/latest.md').trim(), 'the block between the markers is the file');
});

t.test("docs/reading-order.md §7: the bytes it walks through read as it says in the tap's decoders", async (t) => {
  const page = read('docs/reading-order.md');
  const chapter = page.slice(page.indexOf('## 7. HTTP/2 frames and HPACK'));
  /** The first line of each ```text block of the chapter, as bytes. */
  const shown = [...chapter.matchAll(/```text\n(.*)\n/g)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'hex'));
  t.equal(shown.length, 4, 'four byte sequences: a frame header, two header blocks, an integer');
  const [frameHeader, responseHeaders, sizeUpdate, trailers] = shown;

  const parsed = new FrameParser(false).push(Buffer.concat([frameHeader, responseHeaders]));
  const frame = parsed[0]?.kind === 'frame' ? parsed[0].frame : undefined;
  t.match(
    frame,
    { length: 14, type: 1, flags: 0x04, streamId: 1 },
    'the frame header: length 14, HEADERS, END_HEADERS, stream 1',
  );
  t.equal(frame?.payload.length, responseHeaders.length, 'its payload is the header block');

  const hpack = new HpackDecoder();
  const response = hpack.decode(responseHeaders);
  t.same(
    response instanceof HpackError ? response.message : response.fields.map((f) => [f.name, f.value, f.representation]),
    [
      [':status', '200', { kind: 'indexed', ref: { table: 'static', index: 8 } }],
      [
        'content-type',
        'application/grpc',
        { kind: 'literal', indexing: 'incremental', name: { table: 'static', index: 31 }, valueHuffman: true },
      ],
    ],
    '88: :status 200 from static 8; 5f 8b …: content-type from static 31, its value 11 bytes of Huffman code',
  );
  t.same(decodeInteger(sizeUpdate, 0, 5), { value: 256, end: 3 }, '3f e1 01: 256 with a 5-bit prefix');
  t.equal(sizeUpdate[0] & 0xe0, 0x20, '001: a dynamic table size update');
  const trailer = hpack.decode(trailers);
  t.same(
    trailer instanceof HpackError ? trailer.message : trailer.fields.map((f) => [f.name, f.value, f.representation]),
    [['grpc-status', '0', { kind: 'literal', indexing: 'incremental', name: { huffman: true }, valueHuffman: false }]],
    '40 88 …: grpc-status, a new name Huffman-coded, and 0 as it is',
  );
  t.equal(trailers.length, 12, 'twelve bytes');
  t.same(
    [...'grpc'].map((c) => {
      const [code, bits] = HUFFMAN_CODES[c.charCodeAt(0)];
      return code.toString(2).padStart(bits, '0');
    }),
    ['100110', '101100', '101011', '00100'],
    'the codes of g, r, p, c',
  );
  t.same([hpack.dynamicTable.length, hpack.tableSize], [2, 104], 'the table: 2 entries, 104 bytes');
  t.ok(chapter.includes('"dynamic table now 2 entries, 104 bytes"'), 'as the chapter says');
});
