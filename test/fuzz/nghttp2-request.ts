// What nghttp2 (under node:http2) does with a request's header list once HPACK has decoded it: the
// one place where the differential HPACK target lets node's list differ from the tap's. HPACK says
// nothing of these rules; they are RFC 9113's for HTTP messages (§8.2, §8.3), applied as nghttp2
// applies them (lib/nghttp2_http.c, nghttp2_http_on_header and nghttp2_http_on_request_headers):
//
// - a regular field whose name or value has a character RFC 9113 §8.2.1 does not allow is dropped
//   from the list (nghttp2 is lenient there: "existing public internet has so much illegal headers
//   floating around"), unless its name has an uppercase letter;
// - anything else malformed makes the request a stream error (RST_STREAM PROTOCOL_ERROR): an
//   uppercase name, a bad pseudo-header (unknown, repeated, empty, after a regular field, a value
//   its syntax refuses), a connection-specific field, te other than "trailers", host twice or empty,
//   a content-length that is not a number or (these requests carry no body) not 0, a missing
//   :method, :scheme, :path, or both :authority and host, an http(s) :path that is neither /… nor *
//   for OPTIONS.

export type Pairs = [string, string][];

const NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/; // RFC 9113 §8.2.1: lowercase token characters
const VALUE_CHARS = /^[\t\x20-\x7e\x80-\xff]*$/; // field-vchar, SP, HTAB (RFC 9110 §5.5)
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // token (RFC 9110 §5.6.2)
const PATH = /^[\x21-\x7e\x80-\xff]*$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/; // RFC 3986 §3.1
const AUTHORITY = /^[A-Za-z0-9\-._~%!$&'()*+,;=:@[\]]*$/;
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
const PSEUDO = new Set([':method', ':scheme', ':path', ':authority']);

const blank = (value: string) => /^[ \t]*$/.test(value);

/** Whether a field's value passes its syntax check (nghttp2_http_on_header). */
function validValue(name: string, value: string): boolean {
  switch (name) {
    case ':method':
      return METHOD.test(value);
    case ':path':
      return PATH.test(value);
    case ':scheme':
      return SCHEME.test(value);
    case ':authority':
    case 'host':
      return AUTHORITY.test(value);
    default:
      return VALUE_CHARS.test(value) && !/^[ \t]|[ \t]$/.test(value);
  }
}

/** The list node's 'stream' event reports, or why nghttp2 resets the stream instead. */
export function nghttp2Request(fields: Pairs): { list: Pairs } | { reset: string } {
  const list: Pairs = [];
  const seen = new Set<string>();
  let regularSeen = false;
  let contentLength: string | undefined;
  for (const [name, value] of fields) {
    const pseudo = name.startsWith(':');
    if (!NAME.test(pseudo ? name.slice(1) : name)) {
      if (pseudo) return { reset: `pseudo-header name ${JSON.stringify(name)}` };
      if (/[A-Z]/.test(name)) return { reset: `uppercase in the name ${JSON.stringify(name)}` };
      regularSeen = true; // (an ignored field still ends the pseudo-headers)
      continue;
    }
    if (!validValue(name, value)) {
      if (pseudo) return { reset: `the value of ${name}` };
      regularSeen = true;
      continue;
    }
    if (pseudo) {
      if (regularSeen) return { reset: `${name} after a regular field` };
      if (!PSEUDO.has(name)) return { reset: `unknown pseudo-header ${name}` };
    }
    if (pseudo || name === 'host') {
      if (seen.has(name)) return { reset: `${name} twice` };
      if (blank(value)) return { reset: `${name} empty` };
      seen.add(name);
    }
    if (CONNECTION_SPECIFIC.has(name)) return { reset: `connection-specific field ${name}` };
    if (name === 'te' && value.toLowerCase() !== 'trailers') return { reset: 'te other than trailers' };
    if (name === 'content-length') {
      if (contentLength !== undefined || !/^\d+$/.test(value)) return { reset: 'content-length' };
      contentLength = value;
    }
    if (!pseudo) regularSeen = true;
    list.push([name, value]);
  }
  const method = fields.find(([n]) => n === ':method')?.[1];
  if (method === 'CONNECT') {
    if (seen.has(':scheme') || seen.has(':path') || !seen.has(':authority')) return { reset: 'a CONNECT request' };
  } else {
    if (!seen.has(':method') || !seen.has(':scheme') || !seen.has(':path')) return { reset: 'a pseudo-header missing' };
    if (!seen.has(':authority') && !seen.has('host')) return { reset: 'neither :authority nor host' };
    const scheme = fields.find(([n]) => n === ':scheme')![1].toLowerCase();
    const path = fields.find(([n]) => n === ':path')![1];
    if ((scheme === 'http' || scheme === 'https') && !path.startsWith('/') && !(path === '*' && method === 'OPTIONS'))
      return { reset: `:path ${JSON.stringify(path)}` };
  }
  // The request ends with its HEADERS frame: a content-length must say 0 (RFC 9113 §8.1.1).
  if (contentLength !== undefined && BigInt(contentLength) !== 0n) return { reset: 'content-length without content' };
  return { list };
}
