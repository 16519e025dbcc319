import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { makeCertificate } from '../../../test/helpers/tls-cert.js';
import { closeStep } from '../common-steps.js';
import { frame, headerField, message } from '../events.js';
import { code, protocol, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';
import { FEATURE_POINT } from './get-feature.js';

/** The name the tap's certificate is made for, and the one our client checks. */
const NAME = 'localhost';

export const tls: Transcript = {
  file: 'tls.md',
  title: 'TLS: ALPN h2, the tap terminating TLS',
  summary:
    'GetFeature over TLS, the tap terminating it (routeguide tap --tls-cert/--tls-key): ALPN h2 in the handshake, then the same HTTP/2 with :scheme https',
  intro: `
Our client calls GetFeature over TLS. Between it and our server sits the tap with a certificate of
its own (\`routeguide tap --tls-cert FILE --tls-key FILE\`; the script makes a certificate for
\`${NAME}\` with openssl, and gives our client its certificate to trust,
\`new Channel(target, { tls: { ca, serverName: '${NAME}' } })\`). The tap ends the client's TLS,
reads the HTTP/2 inside, and relays it to the server in the clear: a tap that did not hold the key
would see only encrypted records. (\`--upstream-tls\` makes the tap speak TLS to the server as well.)`,
  async record() {
    const certificate = makeCertificate(NAME, ['IP:127.0.0.1']);
    const scene = await Scene.start({}, { tls: { cert: certificate.cert, key: certificate.key } });
    const channel = scene.channel({ tls: { ca: certificate.cert, serverName: NAME } });
    await scene.connect(channel);
    await routeGuideClient(channel).getFeature(FEATURE_POINT);
    await scene.until('the trailers', frame('HEADERS', { dir: 's2c', stream: 1, flags: ['END_STREAM'] }));
    return scene.finish();
  },
  steps: [
    {
      title: 'The TLS handshake chooses h2; then the HTTP/2 connection',
      lead: 'c2s',
      c2s: frame('SETTINGS', { flags: ['ACK'] }),
      s2c: frame('SETTINGS', { flags: ['ACK'] }),
      text: `
Over TLS, HTTP/2 is chosen in the handshake: the client offers the protocols it speaks in the ALPN
extension, and the server picks one; \`h2\` is HTTP/2 over TLS (${rfc9113('3.2')}). Our client offers
\`h2\` alone (${code('src/client/channel.ts:Channel.constructor')}), and so does the tap's TLS server
(${code('src/wire/relay.ts:Relay')}), as our own server does (${code('src/server/tls.ts:createHttp2Server')}):
there is no HTTP/1.1 to fall back to in gRPC. The tap's first line for the connection says what the
handshake settled: the TLS version and the protocol ALPN chose. HTTP/2 over TLS needs TLS 1.2 or
later (${rfc9113('9.2')}; ${protocol('Security')}).

Once the handshake is done, the bytes inside are the same as on a plain connection: the 24-byte
preface, SETTINGS, WINDOW_UPDATE, as in [get-feature.md](get-feature.md#1-the-connection).`,
      shows: [
        {
          says: 'the TLS version and the protocol ALPN chose',
          holds: (_, all) =>
            all.some(
              (e) =>
                e.kind === 'connection' &&
                e.type === 'open' &&
                e.tls?.client?.alpn === 'h2' &&
                e.tls.client.protocol === 'TLSv1.3',
            ),
        },
      ],
    },
    {
      title: 'The call: :scheme https',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
The call is GetFeature as in [get-feature.md](get-feature.md), with one field changed: \`:scheme\` is
\`https\` (${protocol('Requests')}: Scheme), the scheme of a TLS channel
(${code('src/client/channel.ts:Channel.constructor')}, written into the request by
${code('src/client/call-engine.ts:ClientCallEngine.start')}). \`:scheme: https\` is in HPACK's static
table too, at index 7, one byte like \`http\` at 6. The server behind the tap is the same plain-text
server of the other transcripts; it does not look at \`:scheme\`, so it answers a request that says
\`https\` though TLS ended at the tap.`,
      shows: [
        {
          says: '`:scheme` is `https`',
          holds: (s) => headerField(s, 'c2s', ':scheme')?.join(' ') === ':scheme https indexed (static 7)',
        },
      ],
    },
    closeStep(),
  ],
};
