// `routeguide interop-client --server_host H --server_port P --test_case NAME
//                            [--use_tls=true [--ca_file F] [--server_host_override NAME]]`
// Runs one case of doc/interop-test-descriptions.md against a TestService server with the official
// flag names. Prints "OK: NAME" and exits 0 on pass; prints the reason and exits 1 on failure.

import { readFileSync } from 'node:fs';
import { INTEROP_CASES, isInteropCase, runInteropCase } from '../services/testing/index.js';
import { stringFlag, UsageError, type ParsedArgs } from './args.js';
import { boolFlag, portFlag } from './interop-flags.js';

export async function interopClient(args: ParsedArgs): Promise<void> {
  const host = stringFlag(args, 'server_host', 'localhost');
  const port = portFlag(args, 'server_port');
  const testCase = stringFlag(args, 'test_case');
  if (testCase === undefined) throw new UsageError(`--test_case is required: one of ${INTEROP_CASES.join(', ')}`);
  if (!isInteropCase(testCase))
    throw new UsageError(`unknown --test_case "${testCase}": one of ${INTEROP_CASES.join(', ')}`);
  // --use_tls: the system CAs, or --ca_file; the gRPC test CA itself is not bundled (--use_test_ca needs --ca_file).
  const caFile = stringFlag(args, 'ca_file');
  if (boolFlag(args, 'use_test_ca') && !caFile)
    throw new UsageError('--use_test_ca=true needs --ca_file FILE: the gRPC test CA is not bundled');
  const tls = boolFlag(args, 'use_tls')
    ? {
        serverName: stringFlag(args, 'server_host_override'),
        ca: caFile === undefined ? undefined : readFileSync(caFile),
      }
    : undefined;
  await runInteropCase(testCase, { host, port, tls });
  console.log(`OK: ${testCase}`);
}
