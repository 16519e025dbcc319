// The documents stay true to the code: every reference in README.md and the pages of docs/ (the
// wire transcripts of docs/wire/ included) names a file that exists, a function, class or method
// declared in it, or a test title that a test file really has (test/helpers/doc-references.ts says
// what counts), and every relative link leads to a file and a heading that exist. A rename, a move
// or a retitled test without the documents following fails here, naming the line.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  findReferences,
  headingAnchors,
  relativeLinks,
  SourceIndex,
  type DocReference,
} from '../helpers/doc-references.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Markdown files directly in `dir` (relative to the repository), sorted. */
const pages = (dir: string): string[] =>
  readdirSync(join(ROOT, dir))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `${dir}/${name}`);

/** How many references of each kind a document must make at least (so a parser that matches nothing fails). */
const AT_LEAST: Record<string, { code: number; test: number }> = {
  'README.md': { code: 40, test: 0 },
  'docs/spec-map.md': { code: 150, test: 80 },
  'docs/reading-order.md': { code: 40, test: 0 },
};

const DOCUMENTS = [
  'README.md',
  ...pages('docs'),
  // The transcripts link the code behind each step (written by npm run docs:wire; test/docs/wire.test.ts).
  ...pages('docs/wire'),
].map((path) => ({ path, ...(AT_LEAST[path] ?? { code: path.startsWith('docs/wire/') ? 3 : 0, test: 0 }) }));

const index = new SourceIndex(ROOT);

function problems(doc: string, references: DocReference[], check: (r: DocReference) => string | undefined): string[] {
  return references.flatMap((r) => {
    const problem = check(r);
    return problem ? [`${doc}:${r.line}: \`${r.text}\`: ${problem}`] : [];
  });
}

for (const doc of DOCUMENTS) {
  t.test(`${doc.path}: every reference names a file, a declaration in it, or a test that exists`, async (t) => {
    const references = findReferences(readFileSync(join(ROOT, doc.path), 'utf8'));
    const code = references.filter((r) => r.kind === 'code').length;
    const tests = references.filter((r) => r.kind === 'test').length;
    t.ok(code >= doc.code, `${code} code references (at least ${doc.code})`);
    t.ok(tests >= doc.test, `${tests} test references (at least ${doc.test})`);
    t.same(
      problems(doc.path, references, (r) => index.check(r)),
      [],
      'no stale or malformed reference',
    );
  });

  t.test(`${doc.path}: relative links lead to files and headings that exist`, async (t) => {
    const base = dirname(join(ROOT, doc.path));
    const broken: string[] = [];
    for (const { line, target, fragment } of relativeLinks(readFileSync(join(ROOT, doc.path), 'utf8'))) {
      const file = target === '' ? join(ROOT, doc.path) : join(base, target);
      if (!existsSync(file)) broken.push(`${doc.path}:${line}: ${target}`);
      else if (fragment && file.endsWith('.md') && !headingAnchors(readFileSync(file, 'utf8')).has(fragment)) {
        broken.push(`${doc.path}:${line}: ${target}#${fragment}: no such heading`);
      }
    }
    t.same(broken, [], 'no broken link');
  });
}

t.test('docs/reading-order.md: every diagram is a sequence diagram between declared participants', async (t) => {
  const markdown = readFileSync(join(ROOT, 'docs/reading-order.md'), 'utf8');
  const diagrams = [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  t.ok(diagrams.length >= 7, `${diagrams.length} diagrams: four RPC kinds, cancellation, Trailers-Only, the drain`);
  for (const [i, diagram] of diagrams.entries()) {
    t.same(sequenceProblems(diagram), [], `diagram ${i + 1}`);
  }
});

// The check itself, on references made up to be stale: each must be reported, and the good ones not.
t.test('stale and malformed references are reported', async (t) => {
  const markdown = [
    '`src/server/call-engine.ts:statusTrailers` `src/server/call-engine.ts:ServerCallEngine.expire`',
    '`src/server/call-engine.ts:statusTrailer` `src/server/request-headers.ts:ServerCallEngine.expire`',
    '`src/server/nowhere.ts` `src/call` `src/call/` `src/server/server.ts:Server.onStream()`',
    '`test/server/errors.test.ts › "early server closure: trailers arrive before RST_STREAM NO_ERROR"`',
    '`test/server/errors.test.ts › "early server closure: trailers arrive before RST_STREAM"`',
    '`test/client/status.test.ts › "HTTP ${httpStatus} without grpc-status → ${code}"`',
    '`npx routeguide tap` `node:http2`',
    'a span `that crosses',
    'a line` and hides `src/server/nowhere.ts`',
    '```',
    '`src/inside/a/fence.ts`',
    '```',
  ].join('\n');
  const references = findReferences(markdown);
  t.equal(references.length, 13, 'spans outside fences that start like a path; other spans are prose');
  t.same(
    references.map((r) => [r.line, r.kind, index.check(r) === undefined]),
    [
      [1, 'code', true],
      [1, 'code', true],
      [2, 'code', false], // renamed function
      [2, 'code', false], // member of another declaration
      [3, 'code', false], // missing file
      [3, 'code', false], // a directory without its slash
      [3, 'code', true],
      [3, 'malformed', false], // a call, not a name
      [4, 'test', true],
      [5, 'test', false], // retitled test
      [6, 'test', true], // a template title as written
      [8, 'malformed', false], // a span across lines
      [9, 'malformed', false],
    ],
  );
});

/**
 * What would keep a Mermaid sequence diagram from rendering as meant: a line that is no statement
 * these documents use, or a message or note naming an undeclared participant.
 */
function sequenceProblems(diagram: string): string[] {
  const lines = diagram
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('%%'));
  if (lines[0] !== 'sequenceDiagram') return [`starts with "${lines[0]}", not sequenceDiagram`];
  const participants = new Set<string>();
  const found: string[] = [];
  let open = 0; // alt, opt, loop, … blocks not yet closed by `end`
  const known = (id: string, line: string) => {
    if (!participants.has(id)) found.push(`"${line}": ${id} is not a declared participant`);
  };
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null;
    if ((m = /^(?:participant|actor) (\w+)(?: as .+)?$/.exec(line))) participants.add(m[1]);
    else if ((m = /^(\w+) ?(?:->>|-->>|-x|--x|-\)|--\)) ?([+-]?)(\w+): .+$/.exec(line))) {
      known(m[1], line);
      known(m[3], line);
    } else if ((m = /^Note (?:over|left of|right of) (\w+)(?:, ?(\w+))?: .+$/.exec(line))) {
      known(m[1], line);
      if (m[2]) known(m[2], line);
    } else if (/^(?:alt|opt|loop|par|critical|break|rect) .+$/.test(line)) open++;
    else if (line === 'end') {
      if (--open < 0) found.push('"end" without a block to close');
    } else if (!/^(?:autonumber|else( .+)?|and .+)$/.test(line)) {
      found.push(`"${line}": not a statement`);
    }
    if (/[;#]/.test(line)) found.push(`"${line}": ";" and "#" are special in Mermaid text`);
  }
  if (open > 0) found.push(`${open} block(s) without "end"`);
  return found;
}
