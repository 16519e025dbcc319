// What a header block of a gRPC call should hold, and what the tap flags when it does not.
//
//   Request-Headers  (PROTOCOL-HTTP2 "Requests"):  :method POST, :scheme, :path /Service/Method,
//                    te: trailers, content-type application/grpc[+…], grpc-timeout, grpc-encoding…
//   Response-Headers (PROTOCOL-HTTP2 "Responses"): :status 200, content-type application/grpc[+…]
//   Trailers         (PROTOCOL-HTTP2 "Responses"): grpc-status, grpc-message, no pseudo-headers
//   Trailers-Only: one HEADERS frame with END_STREAM holding the response headers and the trailers.
//
// And what HTTP/2 requires of every field block (RFC 9113 §8.2, §8.3): lowercase names, no
// connection-specific fields, pseudo-header fields first, only the ones defined for a request or a
// response, none in trailers. Each check returns findings; nothing here throws.

import { grpcContentSubtype } from '../../protocol/content-type.js';
import { GrpcError } from '../../protocol/grpc-error.js';
import {
  HEADER_ACCEPT_ENCODING,
  HEADER_CONTENT_TYPE,
  HEADER_ENCODING,
  HEADER_GRPC_MESSAGE,
  HEADER_GRPC_STATUS,
  HEADER_METHOD,
  HEADER_PATH,
  HEADER_SCHEME,
  HEADER_STATUS,
  HEADER_TE,
  HEADER_TIMEOUT,
  TE_TRAILERS,
} from '../../protocol/headers.js';
import { BASE64, isBinaryKey } from '../../protocol/metadata.js';
import { parseStatusCode, statusName } from '../../protocol/status.js';
import { parseTimeout } from '../../protocol/timeout.js';
import type { Finding } from '../wire-error.js';

export type { Finding };

/** A header block as the tap reads it: the fields in order, and the first value of each name. */
export class FieldList {
  readonly fields: readonly (readonly [string, string])[];
  private readonly first = new Map<string, string>();

  constructor(fields: readonly (readonly [string, string])[]) {
    this.fields = fields;
    for (const [name, value] of fields) if (!this.first.has(name)) this.first.set(name, value);
  }

  get(name: string): string | undefined {
    return this.first.get(name);
  }

  /** As node:http2 would hand them out (duplicates joined into arrays), for the protocol/ parsers. */
  toRecord(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of this.fields) {
      const had = out[name];
      out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
    }
    return out;
  }
}

const REQUEST_PSEUDO = new Set([HEADER_METHOD, HEADER_SCHEME, HEADER_PATH, ':authority']);
const RESPONSE_PSEUDO = new Set([HEADER_STATUS]);
// RFC 9113 §8.2.2: "An endpoint MUST NOT generate an HTTP/2 message containing connection-specific
// header fields" (and TE only with the value "trailers").
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** RFC 9113 §8.2, §8.3: rules of every field block. */
function fieldBlockRules(list: FieldList, allowedPseudo: ReadonlySet<string>, what: string): Finding[] {
  const out: Finding[] = [];
  let regularSeen = false;
  const pseudoSeen = new Set<string>();
  for (const [name, value] of list.fields) {
    if (name !== name.toLowerCase()) {
      out.push({
        rule: 'RFC 9113 §8.2.1',
        note: `field name "${name}" has uppercase letters: the message is malformed`,
      });
    }
    if (name.startsWith(':')) {
      if (!allowedPseudo.has(name)) {
        out.push({ rule: 'RFC 9113 §8.3', note: `pseudo-header ${name} is not allowed in ${what}` });
      } else if (pseudoSeen.has(name)) {
        out.push({ rule: 'RFC 9113 §8.3', note: `pseudo-header ${name} appears twice` });
      }
      if (regularSeen) out.push({ rule: 'RFC 9113 §8.3', note: `pseudo-header ${name} after regular fields` });
      pseudoSeen.add(name);
      continue;
    }
    regularSeen = true;
    if (CONNECTION_SPECIFIC.has(name)) {
      out.push({ rule: 'RFC 9113 §8.2.2', note: `connection-specific field "${name}" is not allowed in HTTP/2` });
    }
    out.push(...metadataValueRules(name, value));
  }
  return out;
}

/** PROTOCOL-HTTP2 Custom-Metadata: `-bin` values are base64; other values printable ASCII. */
function metadataValueRules(name: string, value: string): Finding[] {
  if (isBinaryKey(name)) {
    const bad = value.split(',').find((part) => !BASE64.test(part.trim()));
    return bad === undefined
      ? []
      : [{ rule: 'PROTOCOL-HTTP2 Custom-Metadata', note: `${name} is not base64 ("${bad.slice(0, 40)}")` }];
  }
  if (name.startsWith('grpc-')) return []; // the protocol's own headers have their own rules below
  return /^[\x20-\x7e]*$/.test(value)
    ? []
    : [{ rule: 'PROTOCOL-HTTP2 Custom-Metadata', note: `${name} has bytes outside printable ASCII (0x20-0x7E)` }];
}

export interface RequestInfo {
  method: string | null;
  encoding: string | undefined;
  acceptEncoding: string | undefined;
  timeoutMs: number | undefined;
}

/** Request-Headers: findings, and what the rest of the call needs to know. */
export function checkRequestHeaders(list: FieldList, endStream: boolean): { findings: Finding[]; info: RequestInfo } {
  const findings = fieldBlockRules(list, REQUEST_PSEUDO, 'a request');
  const method = list.get(HEADER_METHOD);
  const path = list.get(HEADER_PATH);
  const te = list.get(HEADER_TE);
  const contentType = list.get(HEADER_CONTENT_TYPE);
  const timeout = list.get(HEADER_TIMEOUT);
  if (method !== 'POST') {
    findings.push({
      rule: 'PROTOCOL-HTTP2 Requests',
      note: `:method ${method ?? '(missing)'}: gRPC calls are POST (servers answer 405)`,
    });
  }
  if (list.get(HEADER_SCHEME) === undefined) findings.push({ rule: 'RFC 9113 §8.3.1', note: ':scheme is missing' });
  if (path === undefined) findings.push({ rule: 'RFC 9113 §8.3.1', note: ':path is missing' });
  else if (!/^\/[^/]+\/[^/]+$/.test(path)) {
    findings.push({ rule: 'PROTOCOL-HTTP2 Requests', note: `:path "${path}" is not /Service-Name/Method-Name` });
  }
  if (te === undefined) {
    findings.push({
      rule: 'PROTOCOL-HTTP2 Requests',
      note: 'te: trailers is missing (it is required: it detects proxies that would drop the trailers)',
    });
  } else if (te !== TE_TRAILERS) {
    findings.push({ rule: 'RFC 9113 §8.2.2', note: `te: ${te}: the only value allowed in HTTP/2 is "trailers"` });
  }
  findings.push(...contentTypeRule(contentType, 'PROTOCOL-HTTP2 Requests', 'servers answer 415'));
  let timeoutMs: number | undefined;
  if (timeout !== undefined) {
    const parsed = parseTimeout(timeout);
    if (parsed instanceof GrpcError) findings.push({ rule: 'PROTOCOL-HTTP2 Timeout', note: parsed.details });
    else timeoutMs = parsed;
  }
  if (endStream) {
    findings.push({
      rule: 'PROTOCOL-HTTP2 Requests',
      note: 'the request ends with its headers: a gRPC request carries at least one message',
    });
  }
  return {
    findings,
    info: {
      method: path ?? null,
      encoding: list.get(HEADER_ENCODING),
      acceptEncoding: list.get(HEADER_ACCEPT_ENCODING),
      timeoutMs,
    },
  };
}

function contentTypeRule(contentType: string | undefined, rule: string, consequence: string): Finding[] {
  if (contentType === undefined) return [{ rule, note: `content-type is missing (${consequence})` }];
  if (grpcContentSubtype(contentType) === undefined) {
    return [{ rule, note: `content-type "${contentType}" is not application/grpc[+proto|+json…] (${consequence})` }];
  }
  return [];
}

/** Response-Headers, or the HEADERS of a Trailers-Only response. */
export function checkResponseHeaders(
  list: FieldList,
  trailersOnly: boolean,
  requestAcceptEncoding: string | undefined,
): Finding[] {
  const findings = fieldBlockRules(list, RESPONSE_PSEUDO, 'a response');
  const status = list.get(HEADER_STATUS);
  if (status === undefined) findings.push({ rule: 'RFC 9113 §8.3.2', note: ':status is missing' });
  else if (status !== '200') {
    findings.push({
      rule: 'PROTOCOL-HTTP2 Responses',
      note: `:status ${status}, not 200: ${list.get(HEADER_GRPC_STATUS) === undefined ? 'without grpc-status the client maps the HTTP status to a gRPC code' : 'grpc-status decides the outcome'}`,
    });
  }
  findings.push(...contentTypeRule(list.get(HEADER_CONTENT_TYPE), 'PROTOCOL-HTTP2 Responses', 'clients fail the call'));
  const encoding = list.get(HEADER_ENCODING);
  if (encoding && encoding !== 'identity' && !listed(requestAcceptEncoding, encoding)) {
    findings.push({
      rule: 'compression.md',
      note: `grpc-encoding ${encoding} was not in the request's grpc-accept-encoding (${requestAcceptEncoding ?? 'none'})`,
    });
  }
  if (trailersOnly) findings.push(...statusRules(list));
  return findings;
}

/** Trailers: after the messages, HEADERS with END_STREAM. */
export function checkTrailers(list: FieldList, endStream: boolean): Finding[] {
  const findings = fieldBlockRules(list, new Set(), 'trailers');
  if (!endStream) {
    findings.push({
      rule: 'RFC 9113 §8.1',
      note: 'trailers without END_STREAM: the trailer HEADERS frame must end the stream',
    });
  }
  findings.push(...statusRules(list));
  return findings;
}

function statusRules(list: FieldList): Finding[] {
  const findings: Finding[] = [];
  const status = list.get(HEADER_GRPC_STATUS);
  if (status === undefined) {
    findings.push({
      rule: 'PROTOCOL-HTTP2 Responses',
      note: 'trailers without grpc-status: the client ends the call with INTERNAL',
    });
  } else if (parseStatusCode(status) === undefined) {
    findings.push({
      rule: 'PROTOCOL-HTTP2 Responses',
      note: `grpc-status "${status}" is not one of the codes 0-16 in decimal: the client reports UNKNOWN`,
    });
  }
  const message = list.get(HEADER_GRPC_MESSAGE);
  if (message !== undefined && !/^(?:[\x20-\x24\x26-\x7e]|%[0-9A-Fa-f]{2})*$/.test(message)) {
    findings.push({
      rule: 'PROTOCOL-HTTP2 Responses',
      note: 'grpc-message is not percent-encoded (bytes outside 0x20-0x7E, or a bare %)',
    });
  }
  return findings;
}

function listed(acceptEncoding: string | undefined, encoding: string): boolean {
  return acceptEncoding?.split(',').some((name) => name.trim() === encoding) ?? false;
}

/** "NOT_FOUND" for "5": the name of a grpc-status value that is one of the codes, else undefined. */
export function grpcStatusName(value: string | undefined): string | undefined {
  const code = value === undefined ? undefined : parseStatusCode(value);
  return code === undefined ? undefined : statusName(code);
}

/** "grpc-status 5 (NOT_FOUND)" for notes. */
export function describeStatus(value: string | undefined): string {
  if (value === undefined) return 'no grpc-status';
  const code = parseStatusCode(value);
  return code === undefined ? `grpc-status "${value}"` : `grpc-status ${code} (${statusName(code)})`;
}
