// Faults a request asks for itself, with the headers of Envoy's fault filter (`--fault-headers`):
// a test can put a fault on one call without restarting the tap. The names and values are
// Envoy's ("Controlling fault injection via HTTP headers"):
//
//   x-envoy-fault-abort-grpc-request: CODE       the call ends with gRPC status CODE (Trailers-Only)
//   x-envoy-fault-abort-request: STATUS          the call gets an HTTP response of STATUS (200..599)
//   x-envoy-fault-abort-request-percentage: P    …for P% of such requests (both abort headers)
//   x-envoy-fault-delay-request: MS              the request held MS milliseconds on its way
//   x-envoy-fault-delay-request-percentage: P
//   x-envoy-fault-throughput-response: KIBPS     the response's DATA at most KIBPS KiB/s
//   x-envoy-fault-throughput-response-percentage: P
//
// A percentage header without its fault header does nothing; a fault header without its percentage
// applies to every request. A value that is not a number is a finding, reported, and no fault.

import type { FaultSpec } from './spec.js';

export const ENVOY_FAULT_HEADER_PREFIX = 'x-envoy-fault-';

export interface HeaderFaults {
  specs: FaultSpec[];
  /** Headers whose values could not be read: `name: value`. */
  ignored: string[];
}

/** The faults the request headers ask for (the request's own `when` is `request`). */
export function faultsFromHeaders(headers: readonly (readonly [string, string])[]): HeaderFaults {
  const get = (name: string) => headers.find(([n]) => n === name)?.[1];
  const specs: FaultSpec[] = [];
  const ignored: string[] = [];
  const read = (name: string, min: number, max: number): number | undefined => {
    const value = get(name);
    if (value === undefined) return undefined;
    const n = Number(value.trim());
    if (/^\s*\d+\s*$/.test(value) && n >= min && n <= max) return n;
    ignored.push(`${name}: ${value}`);
    return undefined;
  };
  const percent = (name: string) => read(`${name}-percentage`, 0, 100) ?? 100;
  const spec = (name: string, value: number, action: FaultSpec['action'], share: number): FaultSpec => ({
    label: `${name}: ${value}`,
    action,
    when: { at: 'request' },
    where: {},
    percent: share,
  });

  const grpc = read('x-envoy-fault-abort-grpc-request', 0, 16);
  const http = read('x-envoy-fault-abort-request', 200, 599);
  const abortShare = percent('x-envoy-fault-abort-request');
  if (grpc !== undefined) {
    specs.push(
      spec(
        'x-envoy-fault-abort-grpc-request',
        grpc,
        { kind: 'abort', status: grpc, message: 'fault injected by the tap (x-envoy-fault-abort-grpc-request)' },
        abortShare,
      ),
    );
  } else if (http !== undefined) {
    specs.push(
      spec(
        'x-envoy-fault-abort-request',
        http,
        { kind: 'abort', status: 0, message: '', httpStatus: http },
        abortShare,
      ),
    );
  }
  const delay = read('x-envoy-fault-delay-request', 0, 3_600_000);
  if (delay !== undefined) {
    specs.push(
      spec(
        'x-envoy-fault-delay-request',
        delay,
        { kind: 'delay', ms: delay, dir: 'c2s', scope: 'call' },
        percent('x-envoy-fault-delay-request'),
      ),
    );
  }
  const kibps = read('x-envoy-fault-throughput-response', 1, 1_000_000_000);
  if (kibps !== undefined) {
    specs.push(
      spec(
        'x-envoy-fault-throughput-response',
        kibps,
        { kind: 'bandwidth', bytesPerSecond: kibps * 1024, dir: 's2c', scope: 'call' },
        percent('x-envoy-fault-throughput-response'),
      ),
    );
  }
  return { specs, ignored };
}
