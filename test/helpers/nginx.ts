// nginx for tests (Debian's `nginx` package), run from deploy/nginx.conf with its ports replaced:
// a private prefix directory (pid, logs, temp paths inside it), in the foreground, on loopback ports
// picked at run time — never the system service. Without nginx the suite is skipped with the
// reason, except under CI=true, where that fails.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, start, waitForPort, type Started } from './processes.js';

export const NGINX = '/usr/sbin/nginx';
export const DEPLOY_NGINX_CONF = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/** Why the nginx tests cannot run here (undefined: they can). Under CI=true a missing nginx throws. */
export function nginxSkipReason(): string | undefined {
  const probe = spawnSync(NGINX, ['-v'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const reason = `nginx not available (apt-get install nginx): ${probe.error?.message ?? probe.stderr}`;
  if (process.env.CI === 'true') throw new Error(reason);
  return reason;
}

/**
 * deploy/nginx.conf with its listen port and backend addresses replaced. Throws if the file no longer
 * has exactly the lines this replaces (so the test never runs some other configuration).
 */
export function renderNginxConf(text: string, listenPort: number, backendPorts: number[]): string {
  const listen = /^(\s*listen 127\.0\.0\.1:)\d+( http2;)$/gm;
  const backend = /^(\s*server 127\.0\.0\.1:)\d+( max_fails=1 fail_timeout=10s;)$/gm;
  const listens = text.match(listen)?.length ?? 0;
  const backends = text.match(backend)?.length ?? 0;
  if (listens !== 1 || backends !== backendPorts.length) {
    throw new Error(
      `deploy/nginx.conf: expected 1 listen line and ${backendPorts.length} backends, found ${listens} and ${backends}`,
    );
  }
  let i = 0;
  return text
    .replace(listen, `$1${listenPort}$2`)
    .replace(backend, (_, head: string, tail: string) => `${head}${backendPorts[i++]}${tail}`);
}

export interface TestNginx {
  port: number;
  prefix: string;
  process: Started;
  /** The access log so far (deploy/nginx.conf's `grpc` format). */
  accessLog(): string;
  errorLog(): string;
  stop(): Promise<void>;
}

/** Starts nginx with deploy/nginx.conf in front of `backendPorts`; stopped and removed at teardown. */
export async function startNginx(t: { teardown(fn: () => unknown): void }, backendPorts: number[]): Promise<TestNginx> {
  const port = await freePort();
  const prefix = mkdtempSync(join(tmpdir(), 'routeguide-nginx-'));
  // nginx started as root runs its workers as `nobody`: they must reach the prefix and write temp/.
  chmodSync(prefix, 0o755);
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'temp'), { mode: 0o777 });
  chmodSync(join(prefix, 'temp'), 0o777);
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, renderNginxConf(readFileSync(DEPLOY_NGINX_CONF, 'utf8'), port, backendPorts));
  const errorLog = join(prefix, 'logs', 'error.log');
  const nginx = start(NGINX, ['-p', prefix, '-c', conf, '-e', errorLog, '-g', 'daemon off;']);
  const stop = async () => {
    await nginx.stop('SIGTERM');
  };
  t.teardown(async () => {
    await stop();
    rmSync(prefix, { recursive: true, force: true });
  });
  const read = (file: string) => {
    try {
      return readFileSync(join(prefix, 'logs', file), 'utf8');
    } catch {
      return '';
    }
  };
  try {
    await waitForPort(nginx, port);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${read('error.log')}`, { cause: error });
  }
  return { port, prefix, process: nginx, accessLog: () => read('access.log'), errorLog: () => read('error.log'), stop };
}
