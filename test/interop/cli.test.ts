// The interop commands as a user runs them: `routeguide interop-server` and `routeguide
// interop-client`, spawned as processes (exit 0 on pass, 1 with the reason on failure), and their
// usage errors (exit 2).

import { spawn, type ChildProcess } from 'node:child_process';
import t, { type Test } from 'tap';
import { runCommandLine, UsageError, type Command } from '../../src/cli/command.js';
import { interopClientCommand as interopClient } from '../../src/cli/interop-client.js';
import { interopServerCommand as interopServer } from '../../src/cli/interop-server.js';
import { builtCli } from '../helpers/cli-build.js';
import { startTestServer } from '../helpers/test-server.js';
import { untracked } from '../helpers/processes.js';

t.setTimeout(240_000); // the first build of the package takes a while on a busy machine
const CLI = builtCli();

function startCli(args: string[]): ChildProcess {
  return spawn(...untracked(process.execPath, [CLI, ...args]), { stdio: ['ignore', 'pipe', 'pipe'] });
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = startCli(args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `routeguide interop-server --port 0`; resolves with the port it prints. */
function startInteropServer(t: Test): Promise<number> {
  const child = startCli(['interop-server', '--port', '0']);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port) resolve(Number(port));
    });
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`interop-server exited with ${code}: ${output}`)));
  });
}

// One test, so the spawns overlap: each start of the CLI costs a second on a busy machine.
t.test(
  'interop-client: exit 0 and "OK: <case>" against interop-server, exit 1 with the reason otherwise',
  async (t) => {
    // A RouteGuide-only server: grpc.testing.TestService is unknown there.
    const routeGuide = await startTestServer();
    t.teardown(() => routeGuide.close());
    const [port, failing] = await Promise.all([
      startInteropServer(t),
      runCli([
        'interop-client',
        '--server_host=127.0.0.1',
        `--server_port=${routeGuide.port}`,
        '--test_case=empty_unary',
      ]),
    ]);
    t.equal(failing.code, 1, 'a failing case exits 1');
    t.match(
      failing.stderr,
      /empty_unary: unexpected status UNIMPLEMENTED \(12\)/,
      'the reason names the case and the status',
    );

    const args = [
      '--server_host=127.0.0.1',
      '--server_port',
      String(port),
      '--test_case=server_compressed_streaming',
      '--use_tls=false',
    ];
    const passing = await runCli(['interop-client', ...args]);
    t.equal(passing.code, 0, 'server_compressed_streaming against interop-server exits 0', { stderr: passing.stderr });
    t.match(passing.stdout, /^OK: server_compressed_streaming$/m);
  },
);

// Usage errors are checked in-process (cli.ts turns a UsageError into exit code 2;
// test/package/cli.test.ts spawns for that): each spawn of the CLI costs a second.
t.test('usage errors', async (t) => {
  const cases: [Command, string[], RegExp][] = [
    [interopClient, ['--server_port=1', '--test_case=no_such_case'], /unknown --test_case "no_such_case"/],
    [interopClient, ['--server_host=127.0.0.1', '--test_case=empty_unary'], /--server_port is required/],
    [interopClient, ['--server_port=1'], /--test_case is required/],
    [
      interopClient,
      ['--server_port=1', '--test_case=empty_unary', '--use_tls=maybe'],
      /--use_tls must be true or false/,
    ],
    [interopServer, [], /--port is required/],
    [interopServer, ['--port=70000'], /--port must be a port number/],
  ];
  for (const [command, args, message] of cases) {
    const error = await runCommandLine(command, args).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.type(error, UsageError, `${args.join(' ') || '(no flags)'}: a usage error`);
    t.match((error as Error | undefined)?.message, message);
  }
});
