// What the benchmark reports: the servers and clients compared, the metrics with their targets
// (issue 6, ratios to @grpc/grpc-js), and the per-round ratios and medians.

import { WORKER_PLACEMENTS } from './proc.mjs';

export const BASELINE = 'grpcjs';

export const SERVERS = [
  { id: 'grpcjs', label: '@grpc/grpc-js' },
  { id: 'ours', label: 'routeguide-h2' },
  { id: 'grpcgo', label: 'grpc-go (1 core)' },
  { id: 'ceilingUnary', label: 'ceiling: precomputed unary' },
  { id: 'ceilingEcho', label: 'ceiling: raw echo' },
];

export const CLIENTS = [
  { id: 'grpcjs', label: '@grpc/grpc-js client' },
  { id: 'ours', label: 'routeguide-h2 client' },
  { id: 'grpcgo', label: 'grpc-go client' },
  { id: 'ceiling', label: 'ceiling: raw node:http2 client' },
];

// target: the ratio ours/grpc-js must reach (higher-better) or not exceed (lower-better).
export const SERVER_METRICS = [
  { id: 'unary', label: '(a) unary GetFeature, h2load -c 8 -m 16', unit: 'req/s', better: 'higher', target: 1.4 },
  { id: 'p50', label: '(b) unary latency p50, h2load -c 1 -m 1', unit: 'ms', better: 'lower' },
  { id: 'p99', label: '(b) unary latency p99, h2load -c 1 -m 1', unit: 'ms', better: 'lower', target: 1 },
  { id: 'chat1', label: '(c) RouteChat, 1 stream', unit: 'notes/s', better: 'higher', target: 4 },
  { id: 'chat8', label: '(d) RouteChat, 8 streams', unit: 'notes/s', better: 'higher', target: 3 },
  { id: 'list', label: '(e) ListFeatures, whole map', unit: 'features/s', better: 'higher', target: 3 },
  { id: 'record', label: '(f) RecordRoute', unit: 'points/s', better: 'higher', target: 1 },
  { id: 'rss', label: '(g) peak RSS during (c)', unit: 'MB', better: 'lower', target: 1 },
];

export const CLIENT_METRICS = [
  {
    id: 'chat1',
    label: '(h) client RouteChat, 1 stream, vs grpc-go server',
    unit: 'notes/s',
    better: 'higher',
    target: 2,
  },
  {
    id: 'unary',
    label: '(h) client unary GetFeature, 8 in flight, vs grpc-go server',
    unit: 'calls/s',
    better: 'higher',
    target: 1.2,
  },
];

// Ours against the ceilings (within each round): unary must reach 0.85 of the precomputed bytes.
export const CEILING_RATIOS = [
  {
    id: 'unaryVsCeiling',
    metric: 'unary',
    ceiling: 'ceilingUnary',
    label: '(a) ours / precomputed-bytes ceiling',
    target: 0.85,
  },
  { id: 'chat1VsCeiling', metric: 'chat1', ceiling: 'ceilingEcho', label: '(c) ours / raw echo ceiling' },
  { id: 'chat8VsCeiling', metric: 'chat8', ceiling: 'ceilingEcho', label: '(d) ours / raw echo ceiling' },
];

// Our client against the raw node:http2 client of bench/clients/ceiling.mjs (precomputed bytes,
// same grpc-go server, same round): both must reach 0.85 of it.
export const CLIENT_CEILING_RATIOS = [
  { id: 'chat1VsCeiling', metric: 'chat1', label: '(h) client RouteChat, ours / raw node:http2 client', target: 0.85 },
  { id: 'unaryVsCeiling', metric: 'unary', label: '(h) client unary, ours / raw node:http2 client', target: 0.85 },
];

// (n) The wire tap: RouteChat through `routeguide tap --json` (output to /dev/null) in front of our
// server, against (c) on the same server in the same round. Target: at least a third of the direct rate.
// (o) The same with `--fault latency:time=0ms`: every frame goes through the fault path (read frame by
// frame, held for 0 ms, written by the tap) without changing the traffic — what that path costs,
// next to (n). No target.
export const TAP_METRICS = [
  {
    id: 'tapChat1',
    label: '(n) RouteChat, 1 stream, through `routeguide tap --json` > /dev/null',
    unit: 'notes/s',
    direct: 'chat1',
    target: 1 / 3,
  },
  {
    id: 'tapFaultChat1',
    label: '(o) as (n), with `--fault latency:time=0ms` on every frame',
    unit: 'notes/s',
    direct: 'chat1',
    faults: ['--fault', 'latency:time=0ms'],
  },
];

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null);

/** Did `r` (ours/grpc-js, median) meet the metric's target? undefined when there is none. */
export function meets(metric, r) {
  if (metric.target === undefined || r === null) return undefined;
  return metric.better === 'higher' ? r >= metric.target : r <= metric.target;
}

/**
 * rounds: [{ [id]: { [metric]: number|null } }]. Returns { [metric]: { [id]: {median, ratio,
 * ratios} } } where ratio is the median of the per-round ratios to the baseline.
 */
export function summarize(rounds, metrics, ids) {
  const out = {};
  for (const m of metrics) {
    out[m.id] = {};
    for (const id of ids) {
      const values = rounds.map((r) => r[id]?.[m.id] ?? null);
      const ratios = rounds.map((r) => ratio(r[id]?.[m.id], r[BASELINE]?.[m.id]));
      out[m.id][id] = { median: median(values), ratio: median(ratios), values, ratios };
    }
  }
  return out;
}

export function summarizeCeilings(rounds, ceilings = CEILING_RATIOS) {
  const out = {};
  for (const c of ceilings) {
    const ratios = rounds.map((r) => ratio(r.ours?.[c.metric], r[c.ceiling ?? 'ceiling']?.[c.metric]));
    out[c.id] = { ratio: median(ratios), ratios };
  }
  return out;
}

// The scale-out rows (bench/lib/scale.mjs): no targets yet, except the flood's.
export const WORKER_SERVERS = [
  { id: 'grpcjs', label: '@grpc/grpc-js, 1 process' },
  { id: 'ours', label: 'routeguide-h2, 1 process' },
  { id: 'oursWorkers2', label: 'routeguide-h2 --workers 2' },
];

export const WORKER_METRICS = [
  { id: 'unary', label: '(i) unary GetFeature, h2load -c 8 -m 16', unit: 'req/s' },
  { id: 'chat8', label: '(j) RouteChat, 8 streams', unit: 'notes/s' },
];

export const REDIS_METRICS = [
  { id: 'chat1', label: '(k) RouteChat, 1 stream', unit: 'notes/s' },
  { id: 'chat8', label: '(l) RouteChat, 8 streams', unit: 'notes/s' },
];

/** (m): peak RSS while flooding with as many notes again as the bound holds, over peak RSS at the bound. */
export const FLOOD_TARGET = 1.1;
/** (k), (l): the Redis store's notes/s at least this fraction of the memory store's, in the same round. */
export const REDIS_TARGET = 0.5;

/** Medians and within-round ratios of the scale-out rows; `serverRounds` gives the memory store's (c) and (d). */
export function summarizeScale(scaleRounds, serverRounds) {
  const workers = {};
  for (const placement of WORKER_PLACEMENTS) {
    const at = (r) => r.workers?.[placement.id];
    const rows = {};
    for (const m of WORKER_METRICS) {
      rows[m.id] = {};
      for (const { id } of WORKER_SERVERS) {
        const values = scaleRounds.map((r) => at(r)?.[id]?.[m.id] ?? null);
        const ratios = scaleRounds.map((r) => ratio(at(r)?.[id]?.[m.id], at(r)?.[BASELINE]?.[m.id]));
        rows[m.id][id] = { median: median(values), ratio: median(ratios), values, ratios };
      }
      const perProcess = scaleRounds.map((r) => ratio(at(r)?.oursWorkers2?.[m.id], at(r)?.ours?.[m.id]));
      rows[m.id].workersVsOne = { ratio: median(perProcess), ratios: perProcess };
    }
    workers[placement.id] = { label: placement.label, rows };
  }
  const redis = {};
  for (const m of REDIS_METRICS) {
    const memory = serverRounds.map((r) => r.ours?.[m.id] ?? null);
    const values = scaleRounds.map((r) => r.redis?.[m.id] ?? null);
    const ratios = values.map((v, i) => ratio(v, memory[i]));
    // CPU time per note on CPU 0: the server on the memory store; the server and redis-server.
    const memoryCpu = serverRounds.map((r) => r.ours?.[`${m.id}CpuUs`] ?? null);
    const redisCpu = scaleRounds.map((r) => r.redis?.[`${m.id}CpuUs`] ?? null);
    const cpuRatios = redisCpu.map((v, i) => ratio(memoryCpu[i], v));
    redis[m.id] = {
      memory: median(memory),
      redis: median(values),
      ratio: median(ratios),
      values,
      ratios,
      memoryCpuUs: median(memoryCpu),
      redisCpuUs: median(redisCpu),
      cpuRatio: median(cpuRatios),
      cpuRatios,
    };
  }
  const atBound = scaleRounds.map((r) => r.flood?.atBound ?? null);
  const twice = scaleRounds.map((r) => r.flood?.twice ?? null);
  const floodRatios = twice.map((v, i) => ratio(v, atBound[i]));
  const flood = { atBound: median(atBound), twice: median(twice), ratio: median(floodRatios), ratios: floodRatios };
  return { workers, redis, flood };
}

/** (n) and (o): for each, the tap's rate, the direct rate, and the median of their per-round ratio. */
export function summarizeTap(rounds) {
  const summary = {};
  for (const m of TAP_METRICS) {
    const values = rounds.map((r) => r.ours?.[m.id] ?? null);
    const direct = rounds.map((r) => r.ours?.[m.direct] ?? null);
    const ratios = rounds.map((_, i) => ratio(values[i], direct[i]));
    summary[m.id] = { median: median(values), direct: median(direct), ratio: median(ratios), values, ratios };
  }
  return summary;
}
