// `routeguide tap`: a transparent relay between any gRPC client and server that shows every HTTP/2
// frame and gRPC message passing through it (src/wire/), as text for people or NDJSON for tools.

import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_BODY } from '../wire/defaults.js';
import type { TapEvent } from '../wire/events.js';
import type { Endpoint } from '../wire/relay.js';
import { defineCommand, UsageError } from './command.js';
import { portValue, required } from './flags.js';

export const tapCommand = defineCommand({
  name: 'tap',
  usage:
    'routeguide tap --listen [HOST:]PORT --upstream HOST:PORT [--json] [--hex] [--proto FILE]… [--no-reflection] [--color auto|always|never] [--max-body N] [--web [HOST:]PORT] [--tls-cert FILE --tls-key FILE] [--upstream-tls [--ca FILE] [--server-name NAME]] [--fault SPEC]… [--faults FILE] [--fault-seed N] [--fault-headers]',
  summary: 'Relays a gRPC connection unchanged and shows every HTTP/2 frame and gRPC message on it.',
  options: {
    listen: {
      type: 'string',
      arg: '[HOST:]PORT',
      help: 'where clients connect (host default 127.0.0.1; port 0 picks one)',
    },
    upstream: { type: 'string', arg: 'HOST:PORT', help: 'the server every connection is relayed to' },
    json: { type: 'boolean', help: 'one JSON object per event (NDJSON) instead of text' },
    hex: {
      type: 'boolean',
      help: 'each frame\'s bytes below it, and what each byte is (with --json: each event\'s "raw")',
    },
    proto: {
      type: 'string',
      multiple: true,
      arg: 'FILE',
      help: 'decode messages with these .proto files (before reflection)',
    },
    'proto-path': { type: 'string', multiple: true, arg: 'DIR', help: 'where the imports of --proto files are found' },
    'no-reflection': { type: 'boolean', help: "do not ask the upstream's server reflection for message types" },
    color: { type: 'string', arg: 'WHEN', help: 'auto (on a terminal), always or never (default auto)' },
    'max-body': {
      type: 'string',
      arg: 'N',
      help: `messages above N bytes are shown cut to N (default ${DEFAULT_MAX_BODY}; 0: never)`,
    },
    web: {
      type: 'string',
      arg: '[HOST:]PORT',
      help: 'also draw the traffic live in a browser, served here (host default 127.0.0.1)',
    },
    'tls-cert': { type: 'string', arg: 'FILE', help: "terminate the client's TLS with this certificate chain (PEM)" },
    'tls-key': { type: 'string', arg: 'FILE', help: 'and this private key (PEM)' },
    'upstream-tls': { type: 'boolean', help: 'connect to the upstream with TLS' },
    ca: {
      type: 'string',
      arg: 'FILE',
      help: 'with --upstream-tls: trust these CA certificates (default: the system ones)',
    },
    'server-name': {
      type: 'string',
      arg: 'NAME',
      help: "with --upstream-tls: the name to check in the server's certificate",
    },
    ...faultOptions(),
  },
  async run(flags) {
    const listen = endpointValue('listen', required('listen', flags.listen), true);
    const upstream = endpointValue('upstream', required('upstream', flags.upstream), false);
    const certFile = flags['tls-cert'];
    const keyFile = flags['tls-key'];
    if ((certFile === undefined) !== (keyFile === undefined))
      throw new UsageError('--tls-cert and --tls-key go together');
    if (!flags['upstream-tls'] && (flags.ca !== undefined || flags['server-name'] !== undefined))
      throw new UsageError('--ca and --server-name go with --upstream-tls');
    const color = colorValue(flags.color ?? 'auto');
    const maxBody = flags['max-body'] === undefined ? DEFAULT_MAX_BODY : byteCount('max-body', flags['max-body']);
    const protoRoot = flags.proto ? await protoValue(flags.proto, flags['proto-path'] ?? []) : undefined;
    const webAt = flags.web === undefined ? undefined : endpointValue('web', flags.web, true);
    const hex = flags.hex === true;
    const faults = await faultsValue(flags);

    // The tap is loaded only when it runs (its web view only with --web): other commands (serve above
    // all) never carry it.
    const [
      { BoundedOutput },
      { ndjsonDropped, writeNdjsonLine },
      { renderTerminal, terminalDropped },
      { startTap },
      { upstreamSchemas },
      webView,
    ] = await Promise.all([
      import('../wire/render/output.js'),
      import('../wire/render/ndjson.js'),
      import('../wire/render/terminal.js'),
      import('../wire/tap.js'),
      import('./tap-schemas.js'),
      webAt ? import('../wire/web/web-view.js') : undefined,
    ]);
    const started = Date.now();
    const counts: Record<TapEvent['kind'], number> = {
      connection: 0,
      frame: 0,
      message: 0,
      call: 0,
      warning: 0,
      error: 0,
      fault: 0,
    };
    const output = new BoundedOutput(1, {
      dropped: flags.json
        ? (count) => ndjsonDropped(count, Date.now() - started)
        : (count) => terminalDropped(count, { color }),
    });
    // The web view listens first, so that it has every event from the first connection on.
    const web = webAt && webView && (await webView.startWebView({ listen: webAt, faults }).catch(webFailed));
    const upstreamTls = flags['upstream-tls']
      ? { ca: flags.ca === undefined ? undefined : readFileSync(flags.ca), serverName: flags['server-name'] }
      : undefined;
    // The message types: the --proto files, then the upstream's reflection (the tap is given them).
    const schemas = upstreamSchemas({ upstream, upstreamTls, protoRoot, reflection: !flags['no-reflection'] });
    const tap = await startTap({
      listen,
      upstream,
      tls: certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : undefined,
      upstreamTls,
      schemas: schemas.source,
      maxBody,
      // The bytes of each frame: for --hex, and for the web view's details (whose NDJSON has them).
      hex: hex || web !== undefined,
      faults,
      emit: (event) => {
        counts[event.kind]++;
        if (!flags.json) {
          output.write(renderTerminal(event, { color, hex }));
          web?.push(event);
          return;
        }
        const start = output.lines.length;
        writeNdjsonLine(event, output.lines, hex);
        web?.push(event, hex ? output.lines.text(start) : undefined);
        output.commit();
      },
    }).catch(async (error: unknown) => {
      schemas.close();
      await web?.close();
      throw error;
    });
    // The events own stdout (NDJSON stays pure); what the tap itself says goes to stderr.
    const at = tap.address.host.includes(':')
      ? `[${tap.address.host}]:${tap.address.port}`
      : `${tap.address.host}:${tap.address.port}`;
    console.error(
      `tap listening on ${at}${certFile ? ' (TLS)' : ''}, relaying to ${upstream.host}:${upstream.port}${flags['upstream-tls'] ? ' (TLS)' : ''}`,
    );
    if (web) console.error(`tap web view on ${web.url}`);
    if (faults) console.error(faultsLine(faults));
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    await tap.close();
    schemas.close();
    await web?.close();
    await output.close();
    // What was seen, for the record (and for the benchmark, which checks that nothing was lost).
    const events = Object.values(counts).reduce((a, b) => a + b, 0);
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const dropped = output.dropped > 0 ? ' (the output could not keep up)' : '';
    console.error(
      `${signal}: tap stopped: ${plural(tap.connections, 'connection')}, ${plural(events, 'event')} ` +
        `(${plural(counts.message, 'message')}, ${plural(counts.call, 'call')}, ${plural(counts.warning, 'warning')}, ` +
        `${plural(counts.error, 'error')}${faults ? `, ${plural(counts.fault, 'fault event')}` : ''}), ${output.dropped} not shown${dropped}` +
        (web
          ? `; web view: ${plural(web.stats().opened, 'event stream')}, ${web.stats().dropped} events not sent to pages that fell behind`
          : ''),
    );
  },
});

/** `HOST:PORT`, `[IPV6]:PORT`, or (where `portOnly`) just `PORT` on 127.0.0.1. */
function endpointValue(name: string, value: string, portOnly: boolean): Endpoint {
  if (portOnly && /^\d+$/.test(value)) return { host: '127.0.0.1', port: portValue(name, value, true) };
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(value);
  if (!m) throw new UsageError(`--${name} must be ${portOnly ? '[HOST:]PORT' : 'HOST:PORT'}, got "${value}"`);
  return { host: m[1] ?? m[2], port: portValue(name, m[3], portOnly) };
}

function webFailed(error: Error): never {
  throw new Error(`--web: ${error.message}`, { cause: error });
}

function colorValue(value: string): boolean {
  switch (value) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'auto':
      return process.stdout.isTTY === true && !process.env.NO_COLOR;
    default:
      throw new UsageError(`--color must be auto, always or never, got "${value}"`);
  }
}

function byteCount(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new UsageError(`--${name} must be a number of bytes, got "${value}"`);
  return n;
}

async function protoValue(files: string[], importPaths: string[]) {
  const { loadProtoFiles } = await import('../protocol/schema.js'); // protobufjs: only with --proto
  try {
    return loadProtoFiles(files, importPaths);
  } catch (error) {
    throw new UsageError(`--proto: ${(error as Error).message}`);
  }
}

// ---- faults (src/wire/fault/; docs/faults-guide.md) ----

/** The fault flags (a function, so that the command above can take them before this block is read). */
function faultOptions() {
  return {
    fault: {
      type: 'string',
      multiple: true,
      arg: 'SPEC',
      help: 'inject a fault: KIND[:KEY=VALUE,…], or a negative interop case by name (docs/faults-guide.md)',
    },
    faults: { type: 'string', arg: 'FILE', help: 'inject the faults of a JSON list of SPECs (strings or objects)' },
    'fault-seed': {
      type: 'string',
      arg: 'N',
      help: "seed of the faults' random choices, to repeat a run (default: a random one, printed)",
    },
    'fault-headers': {
      type: 'boolean',
      help: "let each request ask for faults with Envoy's x-envoy-fault-* headers",
    },
  } as const;
}

/** The fault injector the flags ask for, or undefined (the relay then copies bytes unchanged). */
async function faultsValue(flags: {
  fault?: string[];
  faults?: string;
  'fault-seed'?: string;
  'fault-headers'?: boolean;
}): Promise<import('../wire/fault/injector.js').FaultInjector | undefined> {
  if (!flags.fault && flags.faults === undefined && !flags['fault-headers']) {
    if (flags['fault-seed'] !== undefined)
      throw new UsageError('--fault-seed goes with --fault, --faults or --fault-headers');
    return undefined;
  }
  const [{ parseFault, parseFaultList }, { FaultInjector }] = await Promise.all([
    import('../wire/fault/spec.js'),
    import('../wire/fault/injector.js'),
  ]);
  const specs = [];
  for (const text of flags.fault ?? []) {
    const parsed = parseFault(text);
    if ('error' in parsed) throw new UsageError(`--fault "${text}": ${parsed.error}`);
    specs.push(...parsed.specs);
  }
  if (flags.faults !== undefined) {
    let json: string;
    try {
      json = readFileSync(flags.faults, 'utf8');
    } catch (error) {
      throw new UsageError(`--faults ${flags.faults}: ${(error as Error).message}`);
    }
    const parsed = parseFaultList(json);
    if ('error' in parsed) throw new UsageError(`--faults ${flags.faults}: ${parsed.error}`);
    specs.push(...parsed.specs);
  }
  const seedText = flags['fault-seed'];
  if (seedText !== undefined && (!/^\d+$/.test(seedText) || Number(seedText) > 0xffffffff))
    throw new UsageError(`--fault-seed must be a whole number from 0 to 4294967295, got "${seedText}"`);
  const seed = seedText === undefined ? Math.floor(Math.random() * 0x1_0000_0000) : Number(seedText);
  return new FaultInjector({ specs, seed, headerFaults: flags['fault-headers'] === true });
}

/** What the tap says on stderr of its faults: how many, and the seed that repeats the run. */
function faultsLine(faults: import('../wire/fault/injector.js').FaultInjector): string {
  const n = faults.specs.length;
  const headers = faults.headerFaults ? `${n > 0 ? ' and' : ''} those requests ask for (x-envoy-fault-*)` : '';
  return `tap faults: ${n > 0 ? `${n} configured` : ''}${headers}; --fault-seed ${faults.seed} repeats this run`;
}
