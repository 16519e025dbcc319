// Renders a summary as markdown tables ready for docs/benchmarks.md and as a hand-written SVG bar
// chart of the ratios to @grpc/grpc-js.

import {
  BASELINE,
  CEILING_RATIOS,
  CLIENT_CEILING_RATIOS,
  CLIENT_METRICS,
  FLOOD_TARGET,
  REDIS_TARGET,
  meets,
  REDIS_METRICS,
  SERVER_METRICS,
  TAP_METRICS,
  WORKER_METRICS,
  WORKER_SERVERS,
} from './metrics.mjs';

const CEILING_FOR = {
  unary: 'ceilingUnary',
  p50: 'ceilingUnary',
  p99: 'ceilingUnary',
  chat1: 'ceilingEcho',
  chat8: 'ceilingEcho',
  rss: 'ceilingEcho',
};

function num(v, unit) {
  if (v === null || v === undefined) return '—';
  const digits = unit === 'ms' ? 3 : unit === 'MB' ? 1 : 0;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const times = (r) => (r === null || r === undefined ? '' : ` (${r.toFixed(2)}×)`);
const cell = (s, unit, withRatio = true) => (s ? num(s.median, unit) + (withRatio ? times(s.ratio) : '') : '—');

function targetText(metric, r) {
  if (metric.target === undefined) return '';
  const ok = meets(metric, r);
  const sign = metric.better === 'higher' ? '≥' : '≤';
  return `${sign} ${metric.target}× ${ok === undefined ? '?' : ok ? '✓' : '✗'}`;
}

export function machineLine(m) {
  return (
    `${m.cpu}, ${m.cores} cores, ${m.os}, Node ${m.node}, ${m.go}, grpc-go ${m.grpcGo}, @grpc/grpc-js ${m.grpcJs}, h2load ${m.h2load}; ` +
    `${m.pinned ? 'server pinned to CPU 0, load generator to CPU 1' : 'no taskset: not pinned'}; ` +
    `${m.rounds} round(s), medians, ratios to @grpc/grpc-js computed within each round`
  );
}

export function markdown(result) {
  const s = result.summary;
  const lines = [`Machine: ${machineLine(result.machine)}.`, ''];
  lines.push(
    '| Workload | unit | @grpc/grpc-js | routeguide-h2 | grpc-go (1 core) | ceiling (raw node:http2) | target for routeguide-h2 |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---|');
  for (const m of SERVER_METRICS) {
    const row = s.servers[m.id];
    const ceiling = CEILING_FOR[m.id] ? cell(row[CEILING_FOR[m.id]], m.unit) : '—';
    lines.push(
      `| ${m.label} | ${m.unit} | ${cell(row[BASELINE], m.unit, false)} | ${cell(row.ours, m.unit)} | ${cell(row.grpcgo, m.unit)} | ${ceiling} | ${targetText(m, row.ours?.ratio ?? null)} |`,
    );
  }
  for (const c of CEILING_RATIOS) {
    const r = s.ceilings[c.id].ratio;
    const t = c.target === undefined ? '' : ` (target ≥ ${c.target} ${r === null ? '?' : r >= c.target ? '✓' : '✗'})`;
    lines.push(`| ${c.label} | ratio | | ${r === null ? '—' : r.toFixed(2)} | | |${t} |`);
  }
  lines.push(
    '',
    '| Client workload (grpc-go server, 1 core) | unit | @grpc/grpc-js client | routeguide-h2 client | grpc-go client | ceiling (raw node:http2 client) | target for routeguide-h2 |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---|');
  for (const m of CLIENT_METRICS) {
    const row = s.clients[m.id];
    lines.push(
      `| ${m.label} | ${m.unit} | ${cell(row[BASELINE], m.unit, false)} | ${cell(row.ours, m.unit)} | ${cell(row.grpcgo, m.unit)} | ${cell(row.ceiling, m.unit)} | ${targetText(m, row.ours?.ratio ?? null)} |`,
    );
  }
  for (const c of CLIENT_CEILING_RATIOS) {
    const r = s.clientCeilings?.[c.id].ratio ?? null;
    const t = ` (target ≥ ${c.target} ${r === null ? '?' : r >= c.target ? '✓' : '✗'})`;
    lines.push(`| ${c.label} | ratio | | ${r === null ? '—' : r.toFixed(2)} | | |${t} |`);
  }
  if (s.tap) {
    lines.push(
      '',
      '| The wire tap (in front of routeguide-h2) | unit | direct (c) | through the tap | tap / direct | target |',
      '|---|---|---:|---:|---:|---|',
    );
    for (const m of TAP_METRICS) {
      const tap = s.tap[m.id];
      if (!tap) continue;
      const r = tap.ratio;
      const target =
        m.target === undefined ? '' : `≥ ${m.target.toFixed(2)} ${r === null ? '?' : r >= m.target ? '✓' : '✗'}`;
      lines.push(
        `| ${m.label} | ${m.unit} | ${num(tap.direct, m.unit)} | ${num(tap.median, m.unit)} | ${r === null ? '—' : r.toFixed(2)} | ${target} |`,
      );
    }
  }
  lines.push(
    '',
    'Values: medians over rounds. Ratios in parentheses: value / @grpc/grpc-js in the same round, median over rounds ' +
      '(so a ratio need not equal the quotient of the two medians); for ms and MB lower is better.',
  );
  if (result.summary.scale) lines.push('', ...scaleMarkdown(result.summary.scale));
  return lines.join('\n');
}

/** The scale-out tables: --workers 2, the Redis store, the memory store's flood. */
function scaleMarkdown({ workers, redis, flood }) {
  const lines = [];
  for (const { label, rows } of Object.values(workers)) {
    lines.push(
      `| Scale-out (${label}; no target) | unit | ${WORKER_SERVERS.map((s) => s.label).join(' | ')} | --workers 2 / 1 process |`,
      '|---|---|---:|---:|---:|---:|',
    );
    for (const m of WORKER_METRICS) {
      const row = rows[m.id];
      const cells = WORKER_SERVERS.map((s) => cell(row[s.id], m.unit, s.id !== BASELINE));
      const per = row.workersVsOne.ratio;
      lines.push(`| ${m.label} | ${m.unit} | ${cells.join(' | ')} | ${per === null ? '—' : per.toFixed(2)} |`);
    }
    lines.push('');
  }
  lines.pop();
  lines.push(
    '',
    '| Note store (server and redis-server on CPU 0, load generator on CPU 1) | unit | memory store, as (c) and (d) | Redis store | Redis / memory | CPU 0 µs per note, memory / Redis (memory ÷ Redis) | target |',
    '|---|---|---:|---:|---:|---:|---|',
  );
  for (const m of REDIS_METRICS) {
    const r = redis[m.id];
    const us = (v) => (v === null || v === undefined ? '—' : v.toFixed(1));
    const fraction = (v) => (v === null || v === undefined ? '—' : v.toFixed(2));
    const ok = r.ratio === null ? '?' : r.ratio >= REDIS_TARGET ? '✓' : '✗';
    lines.push(
      `| ${m.label} | ${m.unit} | ${num(r.memory, m.unit)} | ${num(r.redis, m.unit)} | ${fraction(r.ratio)} | ${us(r.memoryCpuUs)} / ${us(r.redisCpuUs)} (${fraction(r.cpuRatio)}) | ≥ ${REDIS_TARGET} ${ok} |`,
    );
  }
  const ok = flood.ratio === null ? '?' : flood.ratio <= FLOOD_TARGET ? '✓' : '✗';
  lines.push(
    '',
    '| Memory store under a flood of 1 KiB notes at distinct locations (server on CPU 0) | unit | peak RSS filling it to its byte bound | peak RSS sending as many again | ratio | target |',
    '|---|---|---:|---:|---:|---|',
    `| (m) RSS, bound reached, then past it | MB | ${num(flood.atBound, 'MB')} | ${num(flood.twice, 'MB')} | ${flood.ratio === null ? '—' : flood.ratio.toFixed(2)} | ≤ ${FLOOD_TARGET} ${ok} |`,
  );
  return lines;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = { ours: '#2b6cb0', grpcgo: '#38a169', ceilingUnary: '#a0aec0', ceilingEcho: '#a0aec0' };
const NAMES = {
  ours: 'routeguide-h2',
  grpcgo: 'grpc-go (1 core)',
  ceilingUnary: 'raw node:http2 ceiling',
  ceilingEcho: 'raw node:http2 ceiling',
};

/** Horizontal bars: advantage over grpc-js (ratio, or 1/ratio where lower is better); longer is better. */
export function svg(result) {
  const rows = [];
  for (const m of SERVER_METRICS) {
    const ids = ['ours', 'grpcgo', ...(CEILING_FOR[m.id] ? [CEILING_FOR[m.id]] : [])];
    rows.push({ metric: m, data: result.summary.servers[m.id], ids });
  }
  for (const m of CLIENT_METRICS) rows.push({ metric: m, data: result.summary.clients[m.id], ids: ['ours', 'grpcgo'] });

  const adv = (m, r) => (r === null || r === undefined || r <= 0 ? null : m.better === 'higher' ? r : 1 / r);
  let max = 1;
  for (const row of rows) for (const id of row.ids) max = Math.max(max, adv(row.metric, row.data[id]?.ratio) ?? 0);
  max *= 1.12;

  const W = 960,
    left = 360,
    right = 60,
    bar = 13,
    gap = 3,
    groupGap = 14,
    top = 70;
  const plotW = W - left - right;
  const x = (v) => left + (v / max) * plotW;
  let y = top;
  const parts = [];
  for (const row of rows) {
    const h = row.ids.length * (bar + gap);
    const lower = row.metric.better === 'lower' ? ' (lower is better)' : '';
    parts.push(`<text x="${left - 8}" y="${y + h / 2 + 4}" text-anchor="end">${esc(row.metric.label + lower)}</text>`);
    row.ids.forEach((id, i) => {
      const a = adv(row.metric, row.data[id]?.ratio);
      const by = y + i * (bar + gap);
      if (a === null) {
        parts.push(`<text x="${left + 4}" y="${by + bar - 2}" class="small">n/a</text>`);
        return;
      }
      parts.push(
        `<rect x="${left}" y="${by}" width="${(x(a) - left).toFixed(1)}" height="${bar}" fill="${COLORS[id]}"><title>${esc(NAMES[id])}: ${a.toFixed(2)}×</title></rect>`,
      );
      parts.push(`<text x="${(x(a) + 4).toFixed(1)}" y="${by + bar - 2}" class="small">${a.toFixed(2)}×</text>`);
    });
    if (row.metric.target !== undefined) {
      const t = row.metric.better === 'higher' ? row.metric.target : 1 / row.metric.target;
      parts.push(
        `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${y - 2}" y2="${y + bar + 2}" stroke="#c53030" stroke-width="2"><title>target for routeguide-h2: ${t}×</title></line>`,
      );
    }
    y += h + groupGap;
  }
  const notes = machineLine(result.machine).split('; ');
  const H = y + 30 + notes.length * 14;
  const legend = [
    ['ours', 'routeguide-h2'],
    ['grpcgo', 'grpc-go (GOMAXPROCS=1)'],
    ['ceilingUnary', 'raw node:http2 ceiling'],
  ]
    .map(
      ([id, name], i) =>
        `<rect x="${left + i * 200}" y="34" width="12" height="12" fill="${COLORS[id]}"/><text x="${left + i * 200 + 16}" y="44">${esc(name)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<style>.small{font-size:11px;fill:#333}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">Advantage over @grpc/grpc-js (× per round, median; longer is better; red tick = target)</text>
${legend}
<line x1="${x(1)}" x2="${x(1)}" y1="${top - 8}" y2="${y}" stroke="#444" stroke-dasharray="4 3"/>
<text x="${x(1)}" y="${y + 14}" text-anchor="middle" class="small">1× = @grpc/grpc-js</text>
${parts.join('\n')}
${notes.map((t, i) => `<text x="8" y="${y + 34 + i * 14}" class="small">${esc(t)}</text>`).join('\n')}
</svg>
`;
}
