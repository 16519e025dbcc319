// `routeguide interop-client`: runs one case of doc/interop-test-descriptions.md (or the client side
// of doc/negative-http2-interop-test-descriptions.md) against a TestService server, with the official
// flag names. Prints "OK: NAME" and exits 0 on pass; prints
// the reason and exits 1 on failure.

import { readFileSync } from 'node:fs';
import { INTEROP_CASES, isInteropCase, NEGATIVE_HTTP2_CASES } from '../services/testing/case-names.js';
import { defineCommand, UsageError } from './command.js';
import { boolValue, portValue, required } from './flags.js';

export const interopClientCommand = defineCommand({
  name: 'interop-client',
  usage:
    'routeguide interop-client --server_host H --server_port P --test_case NAME [--use_tls=true [--ca_file F] [--server_host_override NAME]]',
  summary: 'Runs one official interop test case against a grpc.testing.TestService server.',
  options: {
    server_host: { type: 'string', arg: 'HOST', help: 'server host (default localhost)' },
    server_port: { type: 'string', arg: 'PORT', help: 'server port (required)' },
    test_case: {
      type: 'string',
      arg: 'NAME',
      help: `the case to run: ${INTEROP_CASES.join(', ')}; or, behind a misbehaving server (routeguide tap --fault NAME), ${NEGATIVE_HTTP2_CASES.join(', ')}`,
    },
    use_tls: { type: 'string', arg: 'true|false', help: 'connect with TLS (default false)' },
    use_test_ca: { type: 'string', arg: 'true|false', help: 'trust the gRPC test CA (needs --ca_file: not bundled)' },
    ca_file: { type: 'string', arg: 'FILE', help: 'CA certificate to trust (PEM), with --use_tls=true' },
    server_host_override: { type: 'string', arg: 'NAME', help: 'name checked against the server certificate' },
  },
  async run(flags) {
    const host = flags.server_host ?? 'localhost';
    const port = portValue('server_port', required('server_port', flags.server_port));
    const testCase = flags.test_case;
    const all = [...INTEROP_CASES, ...NEGATIVE_HTTP2_CASES].join(', ');
    if (testCase === undefined) throw new UsageError(`--test_case is required: one of ${all}`);
    if (!isInteropCase(testCase)) throw new UsageError(`unknown --test_case "${testCase}": one of ${all}`);
    const caFile = flags.ca_file;
    if (boolValue('use_test_ca', flags.use_test_ca) && !caFile) {
      throw new UsageError('--use_test_ca=true needs --ca_file FILE: the gRPC test CA is not bundled');
    }
    const tls = boolValue('use_tls', flags.use_tls)
      ? { serverName: flags.server_host_override, ca: caFile === undefined ? undefined : readFileSync(caFile) }
      : undefined;
    // The client is loaded once the command line is known to be good (cli.ts).
    const { runInteropCase } = await import('../services/testing/interop-cases.js');
    await runInteropCase(testCase, { host, port, tls });
    console.log(`OK: ${testCase}`);
  },
});
