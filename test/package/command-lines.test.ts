// The programs beside the CLI — the benchmark's servers, clients and profiler, `npm test` and `npm run
// docs:wire` — read their flags as the CLI does: --help prints the usage and exits 0; an unknown
// flag prints one line naming it, then the usage, and exits 2, before the program does anything.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { untracked } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(...untracked(command, args), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const PROGRAMS: { name: string; command: string; args: string[]; usage: RegExp }[] = [
  ...['grpcjs-server', 'ceiling-unary', 'ceiling-echo'].map((name) => ({
    name: `bench/servers/${name}.mjs`,
    command: process.execPath,
    args: [`bench/servers/${name}.mjs`],
    usage: new RegExp(`^usage: node bench/servers/${name}\\.mjs \\[--port N\\]`, 'm'),
  })),
  ...['ours', 'grpcjs', 'ceiling'].map((name) => ({
    name: `bench/clients/${name}.mjs`,
    command: process.execPath,
    args: [`bench/clients/${name}.mjs`],
    usage: new RegExp(`^usage: node bench/clients/${name}\\.mjs \\[--addr HOST:PORT\\] routechat`, 'm'),
  })),
  {
    name: 'bench/profile.mjs',
    command: process.execPath,
    args: ['bench/profile.mjs'],
    usage: /^usage: node bench\/profile\.mjs/m,
  },
  {
    name: 'npm test',
    command: process.execPath,
    args: ['scripts/test.mjs'],
    usage: /^usage: npm test/m,
  },
  {
    name: 'npm run docs:wire',
    command: 'npm',
    args: ['run', '-s', 'docs:wire', '--'],
    usage: /^usage: npm run docs:wire/m,
  },
];

for (const program of PROGRAMS) {
  t.test(program.name, async (t) => {
    const [help, unknown] = await Promise.all([
      run(program.command, [...program.args, '--help']),
      run(program.command, [...program.args, '--no-such-flag']),
    ]);
    t.equal(help.code, 0, '--help exits 0', { stderr: help.stderr });
    t.match(help.stdout, program.usage, '--help prints the usage');
    t.match(help.stdout, /^ {2}-h, --help +show this help$/m, 'and lists --help');
    t.equal(unknown.code, 2, 'an unknown flag exits 2', { stdout: unknown.stdout });
    t.match(unknown.stderr, /^.+?: Unknown option '--no-such-flag'/, 'naming the flag');
    t.match(unknown.stderr, program.usage, 'then the usage');
  });
}

t.test('a bad value is refused the same way', async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ['bench/servers/ceiling-echo.mjs', '--port', '70000'],
      /--port must be a whole number from 0 to 65535, got "70000"/,
    ],
    [['bench/clients/ours.mjs', 'unary', '-n', 'many'], /-n must be a whole number from 1 to \d+, got "many"/],
    [['bench/clients/ours.mjs', 'chat'], /the mode must be routechat or unary/],
    [
      ['bench/clients/ceiling.mjs', 'routechat', '--warmup=-1'],
      /--warmup must be a whole number from 0 to \d+, got "-1"/,
    ],
    [
      ['bench/profile.mjs', '--server', 'nginx'],
      /--server must be one of ours, grpcjs, ceiling-unary, ceiling-echo, got "nginx"/,
    ],
    [['bench/profile.mjs', '--top'], /Option '--top <value>' argument missing/],
  ];
  const runs = await Promise.all(cases.map(([args]) => run(process.execPath, args)));
  for (const [i, [args, message]] of cases.entries()) {
    t.equal(runs[i].code, 2, `${args.join(' ')}: exit 2`);
    t.match(runs[i].stderr, message, `${args.join(' ')}: says why`);
  }
});
