// The interop suite over TLS: our interop client against our TestService server with a certificate
// made by openssl at test time (what `interop-server --use_tls=true` and `interop-client
// --use_tls=true --ca_file` do), including the cases that read Compressed-Flags on the raw wire.

import t from 'tap';
import { Server } from '../../src/server/server.js';
import {
  INTEROP_CASES,
  runInteropCase,
  testServiceDefinition,
  testServiceHandlers,
} from '../../src/services/testing/index.js';
import { makeCertificate } from '../helpers/tls-cert.js';

const { cert, key } = makeCertificate('interop.test');

const server = new Server({ tls: { cert, key }, onHandlerError: () => {} });
server.addService(testServiceDefinition(), testServiceHandlers());
const { port } = await server.listen(0, '127.0.0.1');
t.teardown(() => server.close(0));

const target = { host: '127.0.0.1', port, tls: { ca: cert, serverName: 'interop.test' } };

for (const name of INTEROP_CASES) {
  t.test(`${name} over TLS`, async (t) => {
    await t.resolves(runInteropCase(name, target));
  });
}

t.test('the certificate is checked: the wrong name fails', async (t) => {
  await t.rejects(runInteropCase('empty_unary', { ...target, tls: { ca: cert, serverName: 'other.test' } }));
});
