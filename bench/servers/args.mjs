// `--port N` (default 50051) for the benchmark servers; they listen on 127.0.0.1 only.

export function portArg(argv = process.argv.slice(2)) {
  const i = argv.indexOf('--port');
  const port = i === -1 ? 50051 : Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${argv[i + 1]}`);
  return port;
}

export const HOST = '127.0.0.1';

/** Exit cleanly on SIGTERM/SIGINT (so `node --cpu-prof` can write its profile). */
export function exitOnSignal(close) {
  const stop = () => {
    close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
