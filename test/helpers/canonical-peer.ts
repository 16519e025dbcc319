// The Go side of the canonical-bytes tests: test/go/canonical (grpc-go 1.33 + protobuf-go, built by
// its build.sh), the descriptor set it reads, and the proto3 JSON it takes values in.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { loadProtoFiles } from '../../src/protocol/schema.js';
import { reflectionDefinitions } from '../../src/services/reflection/definition.js';
import { DescriptorPool } from '../../src/services/reflection/file-descriptors.js';
import { healthDefinition } from '../../src/services/health/index.js';
import { routeGuideDefinition } from '../../src/services/routeguide/index.js';
import { testServiceDefinition } from '../../src/services/testing/index.js';
import { goPeer } from './go.js';
import { killOnExit } from './processes.js';
import { scratchDir } from './scratch.js';

/** The canonical-peer binary, or why it cannot be built here (never under CI=true: that throws). */
export function canonicalPeer(): string | { skip: string } {
  const built = goPeer('test/go/canonical/build.sh', ['canonical-peer']);
  return 'skip' in built ? built : built[0];
}

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Every schema the tests encode: the four services' and the fixtures'. */
export const ROOTS: readonly protobuf.Root[] = [
  routeGuideDefinition().service.root,
  healthDefinition().service.root,
  reflectionDefinitions().v1.service.root,
  testServiceDefinition().service.root,
  loadProtoFiles([fixture('direct-encoder.proto'), fixture('presence.proto'), fixture('presence-proto2.proto')]),
];

export function lookupType(name: string): protobuf.Type {
  for (const root of ROOTS) {
    const found = root.lookup(name);
    if (found instanceof protobuf.Type) return found;
  }
  throw new Error(`no message type ${name}`);
}

/** A binary FileDescriptorSet of every file of ROOTS, written to a temporary file. */
export function writeDescriptorSet(): string {
  const pool = new DescriptorPool(ROOTS);
  const writer = protobuf.Writer.create();
  for (const name of pool.fileNames()) writer.uint32(0x0a).bytes(pool.withDependencies(name)![0].bytes); // field 1, `file`
  const path = join(scratchDir('canonical-'), 'descriptors.bin');
  writeFileSync(path, writer.finish());
  return path;
}

/** A value as proto3 JSON: bytes in base64, -0 and the non-finite doubles as the strings protojson reads. */
export function toProtoJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return '-0';
    if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    return value;
  }
  if (Array.isArray(value)) return value.map(toProtoJson);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toProtoJson(v)]));
  return value;
}

/**
 * protobuf-go's bytes for each line: a value (proto3 JSON) or bytes to read and write again. Returns
 * hex per line, or "error: ...".
 */
export function goEncode(
  bin: string,
  descriptors: string,
  lines: ({ type: string; json: unknown } | { type: string; hex: string })[],
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-descriptors', descriptors, 'encode'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`canonical-peer encode exited ${code}: ${stderr}`));
      const out = stdout.split('\n');
      out.pop(); // after the last newline
      resolve(out);
    });
    child.stdin.end(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  });
}

export interface PeerServer {
  port: number;
  stop(): Promise<void>;
}

/** `canonical-peer serve`: answers every call with its case's responses. */
export function startPeerServer(bin: string, descriptors: string, cases: string, health?: string): Promise<PeerServer> {
  const args = ['-descriptors', descriptors, 'serve', '-cases', cases, ...(health ? ['-health', health] : [])];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  killOnExit(child);
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const match = /^listening .*:(\d+)$/m.exec(stdout);
      if (match) resolve({ port: Number(match[1]), stop });
    });
    void exited.then(() => reject(new Error(`canonical-peer serve exited: ${stderr}`)));
  });
}

/** `canonical-peer call`: makes every call of the cases file; resolves with its output. */
export function runPeerClient(bin: string, descriptors: string, port: number, cases: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['-descriptors', descriptors, 'call', '-addr', `127.0.0.1:${port}`, '-cases', cases];
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`canonical-peer call exited ${code}: ${output}`));
    });
  });
}
