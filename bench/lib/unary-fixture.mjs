// The GetFeature call of the unary workloads: the request Point, and the Feature every server must
// answer with (from data/route_guide_db.json), both as length-prefixed gRPC messages.

import protobuf from 'protobufjs';

export const POINT = { latitude: 409146138, longitude: -746188906 };
export const FEATURE = { name: 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA', location: POINT };

const root = protobuf.loadSync(new URL('../../proto/route_guide.proto', import.meta.url).pathname);

/** PROTOCOL-HTTP2: Length-Prefixed-Message = Compressed-Flag(0) Message-Length(4, big endian) Message. */
function lengthPrefixed(typeName, value) {
  const message = root.lookupType(typeName).encode(value).finish();
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

export const REQUEST_BYTES = lengthPrefixed('routeguide.Point', POINT);
export const RESPONSE_BYTES = lengthPrefixed('routeguide.Feature', FEATURE);
