// A raw node:http2 gRPC client for malformed input: any headers, any body bytes, and a record of
// exactly what came back (response HEADERS and whether they ended the stream, DATA, trailers,
// RST_STREAM code, and the order of those events).

import http2, {
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';

export interface RawResult {
  /** `:status` of the response HEADERS. */
  status: number | undefined;
  headers: IncomingHttpHeaders;
  /** The response HEADERS frame carried END_STREAM (Trailers-Only, or a bare HTTP error). */
  headersEndStream: boolean;
  data: Buffer;
  trailers: IncomingHttpHeaders | undefined;
  rstCode: number | undefined;
  /** 'response' | 'data' | 'trailers' | 'close' in arrival order (consecutive 'data' collapsed). */
  events: string[];
}

export interface RawRequest {
  path: string;
  method?: string;
  contentType?: string;
  headers?: Record<string, string | string[]>;
  /** Body bytes written before ending (or not ending) the request. */
  body?: Buffer | Buffer[];
  /** Half-close after the body (END_STREAM). Default true. */
  end?: boolean;
}

export interface RawCall {
  stream: ClientHttp2Stream;
  result: Promise<RawResult>;
}

export function connectRaw(port: number, settings: http2.Settings = {}): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`, { settings });
    session.once('error', reject);
    session.once('connect', () => {
      session.off('error', reject);
      session.on('error', () => {});
      resolve(session);
    });
  });
}

export function closeRaw(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => (session.closed ? resolve() : session.close(() => resolve())));
}

/** Opens a request stream and records its response; writes the body (if any) but leaves ending to `end`. */
export function openRaw(session: ClientHttp2Session, req: RawRequest): RawCall {
  const stream = session.request(
    {
      [constants.HTTP2_HEADER_METHOD]: req.method ?? 'POST',
      [constants.HTTP2_HEADER_PATH]: req.path,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: req.contentType ?? 'application/grpc',
      te: 'trailers',
      ...req.headers,
    },
    { endStream: req.method === 'GET' && req.body === undefined },
  );
  const result: RawResult = {
    status: undefined,
    headers: {},
    headersEndStream: false,
    data: Buffer.alloc(0),
    trailers: undefined,
    rstCode: undefined,
    events: [],
  };
  const chunks: Buffer[] = [];
  const record = (event: string) => {
    if (event !== 'data' || result.events.at(-1) !== 'data') result.events.push(event);
  };
  stream.on('response', (headers, flags) => {
    record('response');
    result.headers = headers;
    result.status = Number(headers[constants.HTTP2_HEADER_STATUS]);
    result.headersEndStream = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
  });
  stream.on('data', (chunk: Buffer) => {
    record('data');
    chunks.push(chunk);
  });
  stream.on('trailers', (trailers) => {
    record('trailers');
    result.trailers = trailers;
  });
  stream.on('error', () => {}); // a reset surfaces as rstCode on 'close'
  const done = new Promise<RawResult>((resolve) => {
    stream.on('close', () => {
      record('close');
      result.rstCode = stream.rstCode;
      result.data = Buffer.concat(chunks);
      resolve(result);
    });
  });
  const body = req.body === undefined ? [] : Array.isArray(req.body) ? req.body : [req.body];
  for (const b of body) stream.write(b);
  if (req.end ?? true) stream.end();
  return { stream, result: done };
}

/** Sends a request and waits for the stream to close. */
export function rawRequest(session: ClientHttp2Session, req: RawRequest): Promise<RawResult> {
  return openRaw(session, req).result;
}

/** One Length-Prefixed-Message: flag byte, big-endian length, body. */
export function frame(body: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out[0] = flag;
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}

/** Splits a response body into message bodies (well-formed input assumed). */
export function unframe(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos + 5 <= data.length;) {
    const len = data.readUInt32BE(pos + 1);
    out.push(data.subarray(pos + 5, pos + 5 + len));
    pos += 5 + len;
  }
  return out;
}

/** grpc-status / grpc-message from the trailers, or from the headers of a Trailers-Only response. */
export function grpcStatus(result: RawResult): { code: number | undefined; message: string | undefined } {
  const source = result.trailers ?? result.headers;
  const code = source['grpc-status'];
  const message = source['grpc-message'];
  return {
    code: code === undefined ? undefined : Number(code),
    message: message === undefined ? undefined : decodeURIComponent(String(message)),
  };
}
