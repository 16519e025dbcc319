// The peers the fault tests run through the tap: grpc-go's client (test/go/fault-client, built like
// the route_guide example, test/helpers/go.ts) and nghttp2's h2load, and a tap with faults in this
// process whose events are kept.

import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import type { TapEvent } from '../../src/wire/events.js';
import { FaultInjector } from '../../src/wire/fault/injector.js';
import { parseFault } from '../../src/wire/fault/spec.js';
import { startTap, type TapOptions } from '../../src/wire/tap.js';
import { scratchDir } from './scratch.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const outDir = join(repoRoot, 'node_modules', '.cache', 'routeguide-go');

let built: string | { skip: string } | undefined;

/** Builds (or reuses) grpc-go's fault client; {skip} when Go is missing and not under CI=true. */
export function goFaultClient(): string | { skip: string } {
  if (built) return built;
  try {
    execFileSync('bash', [join(repoRoot, 'test/go/fault-client/build.sh'), outDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
      encoding: 'utf8',
    });
    built = join(outDir, 'fault-client');
  } catch (error) {
    const e = error as { status?: number; stderr?: string };
    const reason = `grpc-go fault client unavailable: ${e.stderr?.trim() || (error as Error).message}`;
    if (e.status !== 2 || process.env.CI === 'true') throw new Error(reason, { cause: error });
    built = { skip: reason };
  }
  return built;
}

/** What grpc-go made of one call (test/go/fault-client/main.go). */
export interface GoOutcome {
  call: number;
  method: string;
  code: string;
  message?: string;
  messages: number;
  ms: number;
}

/** Runs the Go client: `first`, then `then` unary calls, on one connection. */
export function runGoFaultClient(bin: string, port: number, first: string, then = 100): Promise<GoOutcome[]> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      ['-addr', `127.0.0.1:${port}`, '-first', first, '-then', String(then)],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`fault-client: ${error.message}: ${stderr}`));
        resolve(
          stdout
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as GoOutcome),
        );
      },
    );
  });
}

/** h2load's count of requests: total, started, done, succeeded, failed, errored. */
export interface H2loadCounts {
  total: number;
  done: number;
  succeeded: number;
  errored: number;
}

/** h2load: `n` GetFeature requests, one at a time on one connection (`request`: the framed Point). */
export function runH2load(port: number, n: number, request: Buffer): Promise<H2loadCounts> {
  const data = join(scratchDir('routeguide-h2load-'), 'request.bin');
  writeFileSync(data, request);
  return new Promise((resolve, reject) => {
    execFile(
      'h2load',
      [
        '-n',
        String(n),
        '-c',
        '1',
        '-m',
        '1',
        '-d',
        data,
        '-H',
        'content-type: application/grpc',
        '-H',
        'te: trailers',
        `http://127.0.0.1:${port}/routeguide.RouteGuide/GetFeature`,
      ],
      { timeout: 60_000 },
      (error, stdout) => {
        const m = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, \d+ failed, (\d+) errored/.exec(
          stdout,
        );
        if (!m) return reject(new Error(`h2load: ${error?.message ?? ''}\n${stdout}`));
        resolve({ total: Number(m[1]), done: Number(m[2]), succeeded: Number(m[3]), errored: Number(m[4]) });
      },
    );
  });
}

/** A tap in this process in front of 127.0.0.1:`upstream`, with the faults of `spec`; its events kept. */
export async function faultTap(
  t: Test,
  upstream: number,
  spec: string | string[],
  options: Partial<TapOptions> & { seed?: number; headerFaults?: boolean } = {},
): Promise<{ port: number; events: TapEvent[]; faults: FaultInjector }> {
  const specs = (Array.isArray(spec) ? spec : [spec]).flatMap((text) => {
    const parsed = parseFault(text);
    if ('error' in parsed) throw new Error(`${text}: ${parsed.error}`);
    return parsed.specs;
  });
  const faults = new FaultInjector({ specs, seed: options.seed ?? 1, headerFaults: options.headerFaults });
  const events: TapEvent[] = [];
  const tap = await startTap({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: upstream },
    emit: (event) => events.push(event),
    faults,
    ...options,
  });
  t.teardown(() => tap.close());
  return { port: tap.address.port, events, faults };
}

/** The events of one kind. */
export function ofKind<K extends TapEvent['kind']>(events: TapEvent[], kind: K): Extract<TapEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<TapEvent, { kind: K }> => e.kind === kind);
}
