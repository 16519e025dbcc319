// The official gRPC interop suite (doc/interop-test-descriptions.md) in three directions:
//
//   Ruby client.rb (C-core 1.51, Debian ruby-grpc) → our TestService server   15 credential-free cases
//   our interop client                             → Ruby server.rb             every case we implement
//   our interop client                             → our TestService server     every case we implement
//
// The results form the interop matrix of docs/interop.md (between the interop-matrix markers); the
// last test fails when the page disagrees with this run. Under CI=true a missing ruby or grpc gem is an
// error, not a skip.

import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { Channel } from '../../src/client/channel.js';
import { createClient } from '../../src/client/client.js';
import { Server } from '../../src/server/server.js';
import {
  INTEROP_CASES,
  runInteropCase,
  testServiceDefinition,
  testServiceHandlers,
  type InteropCaseName,
  type TestServiceClient,
} from '../../src/services/testing/index.js';
import { findRubyInterop, startRubyServer } from '../helpers/ruby.js';

t.setTimeout(150_000);

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CASE_TIMEOUT_MS = 30_000;
const RUBY_PARALLEL = 3;

/** The credential-free cases of client.rb: of its 21, five need Google credentials and `all` runs those too. */
const RUBY_CLIENT_CASES: InteropCaseName[] = [
  'empty_unary',
  'large_unary',
  'client_compressed_unary',
  'client_streaming',
  'client_compressed_streaming',
  'server_streaming',
  'ping_pong',
  'empty_stream',
  'timeout_on_sleeping_server',
  'cancel_after_begin',
  'cancel_after_first_response',
  'status_code_and_message',
  'custom_metadata',
  'unimplemented_method',
  'unimplemented_service',
];

/** Cases known to fail, per direction, and why (the matrix's footnotes in docs/interop.md). `pattern` must match the failure. */
const EXPECTED_FAILURES: Partial<
  Record<Direction, Partial<Record<InteropCaseName, { reason: string; pattern: RegExp }>>>
> = {
  oursToRuby: {
    client_compressed_unary: {
      reason:
        'server.rb ignores `expect_compressed` (no CompressedRequest feature): the uncompressed probe succeeds instead of failing with INVALID_ARGUMENT.',
      pattern: /probe .*expected status INVALID_ARGUMENT, but the call succeeded/,
    },
    client_compressed_streaming: {
      reason:
        'server.rb ignores `expect_compressed` (no CompressedRequest feature): the uncompressed probe succeeds instead of failing with INVALID_ARGUMENT.',
      pattern: /probe .*expected status INVALID_ARGUMENT, but the call succeeded/,
    },
    server_compressed_unary: {
      reason:
        'server.rb ignores `response_compressed` (no CompressedResponse feature): the response arrives with Compressed-Flag 0.',
      pattern: /response_compressed=true\): response Compressed-Flag is 0/,
    },
    server_compressed_streaming: {
      reason:
        'server.rb ignores `ResponseParameters.compressed` (no CompressedResponse feature): the first response arrives with Compressed-Flag 0.',
      pattern: /response 0 \(compressed=true\): Compressed-Flag is 0/,
    },
  },
};

type Direction = 'rubyToOurs' | 'oursToRuby' | 'oursToOurs';
const DIRECTIONS: { key: Direction; title: string }[] = [
  { key: 'rubyToOurs', title: 'Ruby client.rb → our server' },
  { key: 'oursToRuby', title: 'our client → Ruby server.rb' },
  { key: 'oursToOurs', title: 'our client → our server' },
];
type Outcome = { pass: true } | { pass: false; reason: string };
const results = new Map<Direction, Map<InteropCaseName, Outcome>>();

function record(direction: Direction, name: InteropCaseName, outcome: Outcome): void {
  if (!results.has(direction)) results.set(direction, new Map());
  results.get(direction)!.set(name, outcome);
}

/** Checks one outcome against EXPECTED_FAILURES: a pass where a pass is expected, the known failure otherwise. */
function checkOutcome(t: Test, direction: Direction, name: InteropCaseName, outcome: Outcome): void {
  const expected = EXPECTED_FAILURES[direction]?.[name];
  if (!expected) t.ok(outcome.pass, `${name} passes`, outcome.pass ? {} : { reason: outcome.reason });
  else
    t.match(
      outcome.pass ? 'passed' : outcome.reason,
      expected.pattern,
      `${name} fails as documented: ${expected.reason}`,
    );
}

interface RunResult {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], timeoutMs = CASE_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
    }),
  );
}

/** The last meaningful line of a failed run: Ruby's exception message. */
function lastError(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('from ') && !/^[IWD], \[/.test(l));
  return lines.find((l) => /Error|error|fail/.test(l)) ?? lines.at(-1) ?? '(no output)';
}

async function startOurServer(t: Test): Promise<number> {
  const server = new Server({ onHandlerError: () => {} });
  server.addService(testServiceDefinition(), testServiceHandlers());
  const { port } = await server.listen(0, '127.0.0.1');
  t.teardown(() => server.close(0));
  return port;
}

/** Ruby's server.rb through the loopback wrapper; resolves with its port once it serves. */
async function runOurCase(name: InteropCaseName, port: number): Promise<Outcome> {
  try {
    await runInteropCase(name, { host: '127.0.0.1', port });
    return { pass: true };
  } catch (error) {
    return { pass: false, reason: (error as Error).message };
  }
}

const ruby = findRubyInterop();
const rubySkip = 'skip' in ruby ? `Ruby interop peer unavailable: ${ruby.skip}` : false;

t.test('our interop client → our interop server: every case passes', async (t) => {
  const port = await startOurServer(t);
  for (const name of INTEROP_CASES) {
    const outcome = await runOurCase(name, port);
    record('oursToOurs', name, outcome);
    checkOutcome(t, 'oursToOurs', name, outcome);
  }
});

t.test('Ruby client.rb → our interop server: all 15 credential-free cases pass', { skip: rubySkip }, async (t) => {
  if ('skip' in ruby) return;
  const port = await startOurServer(t);
  await inParallel(RUBY_CLIENT_CASES, RUBY_PARALLEL, async (name) => {
    const args = [ruby.clientRb, '--server_host=127.0.0.1', `--server_port=${port}`, `--test_case=${name}`];
    const result = await run('ruby', args);
    const pass = result.code === 0 && result.output.includes(`"OK: ${name}"`);
    record('rubyToOurs', name, pass ? { pass } : { pass, reason: lastError(result.output) });
  });
  for (const name of RUBY_CLIENT_CASES) checkOutcome(t, 'rubyToOurs', name, results.get('rubyToOurs')!.get(name)!);
});

t.test(
  'our interop client → Ruby server.rb: every case passes except the documented ones',
  { skip: rubySkip },
  async (t) => {
    if ('skip' in ruby) return;
    const port = await startRubyServer(t, ruby.serverRb);
    for (const name of INTEROP_CASES) {
      const outcome = await runOurCase(name, port);
      record('oursToRuby', name, outcome);
      checkOutcome(t, 'oursToRuby', name, outcome);
    }
  },
);

// Beyond the matrix: server.rb has no expect_compressed probe, so the cases above stop before our
// compressed requests reach C-core. Send them anyway and check C-core reads every encoding.
t.test('our compressed requests are read by the Ruby (C-core) server', { skip: rubySkip }, async (t) => {
  if ('skip' in ruby) return;
  const port = await startRubyServer(t, ruby.serverRb);
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => channel.close());
  const client = createClient<TestServiceClient>(testServiceDefinition(), channel);
  for (const compression of ['gzip', 'deflate', 'identity'] as const) {
    const response = await client.unaryCall(
      { response_size: 314_159, payload: { body: Buffer.alloc(271_828) } },
      { compression, timeoutMs: CASE_TIMEOUT_MS },
    );
    t.equal(response.payload?.body?.length, 314_159, `UnaryCall with grpc-encoding ${compression}: full response`);
    const upload = client.streamingInputCall({ compression, timeoutMs: CASE_TIMEOUT_MS });
    await upload.send({ payload: { body: Buffer.alloc(27_182) } });
    await upload.send({ payload: { body: Buffer.alloc(45_904) } }, { compress: false });
    const sum = await upload.closeAndRecv();
    t.equal(
      sum.aggregated_payload_size,
      73_086,
      `StreamingInputCall with grpc-encoding ${compression}, one message uncompressed`,
    );
  }
});

// ---- the matrix of docs/interop.md ----

const MATRIX_START = '<!-- interop-matrix:start -->';
const MATRIX_END = '<!-- interop-matrix:end -->';

/** The matrix this run produced, as the Markdown that belongs between the markers of docs/interop.md. */
function renderMatrix(): string {
  const notes: string[] = [];
  const cell = (direction: Direction, name: InteropCaseName): string => {
    if (direction === 'rubyToOurs' && !RUBY_CLIENT_CASES.includes(name)) return 'n/a';
    const outcome = results.get(direction)?.get(name);
    if (!outcome) return 'not run';
    if (outcome.pass) return 'pass';
    const reason = EXPECTED_FAILURES[direction]?.[name]?.reason ?? outcome.reason;
    let index = notes.indexOf(reason);
    if (index === -1) index = notes.push(reason) - 1;
    return `FAIL [${index + 1}]`;
  };
  const lines = [
    `| case | ${DIRECTIONS.map((d) => d.title).join(' | ')} |`,
    `|---|${DIRECTIONS.map(() => '---').join('|')}|`,
    ...INTEROP_CASES.map((name) => `| \`${name}\` | ${DIRECTIONS.map((d) => cell(d.key, name)).join(' | ')} |`),
    '',
    '- n/a: client.rb has no such case.',
    ...notes.map((note, i) => `- [${i + 1}] ${note}`),
  ];
  return lines.join('\n');
}

/** The page's cells: case → the first word of each direction's cell (pass, FAIL, n/a, …). */
function parseMatrix(section: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([a-z_]+)`\s*\|(.*)\|\s*$/.exec(line.trim());
    if (m)
      rows.set(
        m[1],
        m[2].split('|').map((c) => c.trim().split(/\s+/)[0].toLowerCase()),
      );
  }
  return rows;
}

t.test('docs/interop.md: the interop matrix matches this run', async (t) => {
  const rendered = renderMatrix();
  if (process.env.INTEROP_MATRIX_OUT)
    writeFileSync(process.env.INTEROP_MATRIX_OUT, `${MATRIX_START}\n${rendered}\n${MATRIX_END}\n`);
  const page = readFileSync(join(REPO, 'docs/interop.md'), 'utf8');
  const start = page.indexOf(MATRIX_START);
  const end = page.indexOf(MATRIX_END);
  if (start === -1 || end < start) {
    t.fail('docs/interop.md has no interop matrix markers', { expected: rendered });
    return;
  }
  const documented = parseMatrix(page.slice(start, end));
  const actual = parseMatrix(rendered);
  t.same([...documented.keys()], [...actual.keys()], 'docs/interop.md lists every case, in order', {
    expected: rendered,
  });
  for (const [name, cells] of actual) {
    DIRECTIONS.forEach((direction, i) => {
      if (cells[i] === 'not') return; // this direction did not run here (Ruby unavailable, skipped above)
      t.equal(documented.get(name)?.[i], cells[i], `docs/interop.md: ${name}, ${direction.title}`, {
        expected: rendered,
      });
    });
  }
});
