// doc/http-grpc-status-mapping.md: the code a client derives from the HTTP status when a response
// has no grpc-status.

import t from 'tap';
import { codeFromHttpStatus } from '../src/protocol/http-status.js';
import { Status, statusName, type StatusCode } from '../src/protocol/status.js';

t.test('HTTP status → gRPC code', async (t) => {
  const cases: Array<[http: number, code: StatusCode]> = [
    [400, Status.INTERNAL], // Bad Request
    [401, Status.UNAUTHENTICATED], // Unauthorized
    [403, Status.PERMISSION_DENIED], // Forbidden
    [404, Status.UNIMPLEMENTED], // Not Found
    [429, Status.UNAVAILABLE], // Too Many Requests
    [431, Status.INTERNAL], // Request Header Fields Too Large
    [502, Status.UNAVAILABLE], // Bad Gateway
    [503, Status.UNAVAILABLE], // Service Unavailable
    [504, Status.UNAVAILABLE], // Gateway Timeout
    [200, Status.UNKNOWN], // 200 without grpc-status
    [204, Status.UNKNOWN],
    [301, Status.UNKNOWN],
    [405, Status.UNKNOWN],
    [415, Status.UNKNOWN], // Unsupported Media Type: "all others"
    [500, Status.UNKNOWN],
    [505, Status.UNKNOWN],
    [0, Status.UNKNOWN],
  ];
  for (const [http, code] of cases) t.equal(codeFromHttpStatus(http), code, `${http} → ${statusName(code)}`);
});
