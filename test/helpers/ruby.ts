// Where Debian's ruby-grpc keeps the official interop client.rb and server.rb, or why the Ruby
// peer cannot run here (under CI=true that is an error, not a skip).

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LOOPBACK_WRAPPER = fileURLToPath(new URL('../ruby/interop-server-loopback.rb', import.meta.url));

export interface RubyInterop {
  clientRb: string;
  serverRb: string;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(dir, d.name));
  } catch {
    return [];
  }
}

/** /usr/lib/<arch>/rubygems-integration/<ruby>/gems/grpc-<v>/src/ruby/pb/test (Debian ruby-grpc). */
export function findRubyInterop(): RubyInterop | { skip: string } {
  const testDirs = subdirs('/usr/lib')
    .flatMap((arch) => subdirs(join(arch, 'rubygems-integration')))
    .flatMap((ruby) => subdirs(join(ruby, 'gems')))
    .filter((gem) => /\/grpc-[\d.]+$/.test(gem))
    .map((gem) => join(gem, 'src', 'ruby', 'pb', 'test'))
    .filter((dir) => existsSync(join(dir, 'client.rb')) && existsSync(join(dir, 'server.rb')));
  const problem =
    testDirs.length === 0
      ? 'the grpc gem interop client.rb/server.rb were not found (Debian package ruby-grpc)'
      : rubyProblem();
  if (problem) {
    if (process.env.CI === 'true') throw new Error(`Ruby interop suite cannot run under CI=true: ${problem}`);
    return { skip: problem };
  }
  return { clientRb: join(testDirs[0], 'client.rb'), serverRb: join(testDirs[0], 'server.rb') };
}

/** Why `ruby` cannot load the grpc gem, or undefined when it can. */
function rubyProblem(): string | undefined {
  try {
    execFileSync('ruby', ['-e', 'require "grpc"'], { stdio: 'ignore', timeout: 20_000 });
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'ruby is not installed'
      : '`ruby -e \'require "grpc"\'` failed';
  }
}

/** Starts the interop server.rb on 127.0.0.1 (a port it picks); killed at teardown. Resolves with its port. */
export function startRubyServer(t: { teardown(fn: () => unknown): void }, serverRb: string): Promise<number> {
  const child: ChildProcess = spawn('ruby', [LOOPBACK_WRAPPER, serverRb, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Ruby server.rb did not start within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Ruby server.rb exited with ${code}:\n${output}`));
    });
  });
}
