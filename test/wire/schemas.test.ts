// Where the tap finds message types: --proto files first, then the upstream's reflection — asked
// once per service, its answer kept — and why there is none when neither knows the call.

import t from 'tap';
import type protobuf from 'protobufjs';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { Status } from '../../src/protocol/status.js';
import type { ReflectionClient } from '../../src/services/reflection/client.js';
import { routeGuideDefinition } from '../../src/services/routeguide/index.js';
import { TapSchemas } from '../../src/cli/tap-schemas.js';
import type { SchemaLookup } from '../../src/wire/protobuf/schemas.js';

const root = routeGuideDefinition().service.root;

/** A stand-in for the reflection client: answers from `answer`, counting what it was asked. */
function reflection(answer: (symbol: string) => protobuf.Root | GrpcError) {
  const asked: string[] = [];
  const client = {
    resolveSymbol(symbol: string) {
      asked.push(symbol);
      const result = answer(symbol);
      return result instanceof GrpcError ? Promise.reject(result) : Promise.resolve({ root: result, files: [] });
    },
  } as unknown as ReflectionClient;
  return { client, asked };
}

const name = (lookup: SchemaLookup) =>
  'missing' in lookup
    ? `none: ${lookup.missing}`
    : `${lookup.source} ${lookup.requestType.name}→${lookup.responseType.name}`;

t.test('--proto files answer at once, without asking reflection', async (t) => {
  const { client, asked } = reflection(() => root);
  const schemas = new TapSchemas({ protoRoot: root, reflection: client });
  const lookup = schemas.lookup('/routeguide.RouteGuide/RecordRoute');
  t.notOk(lookup instanceof Promise);
  t.equal(name(lookup as SchemaLookup), 'proto Point→RouteSummary');
  t.same(asked, []);
});

t.test('reflection: asked once per service, then every method answers at once', async (t) => {
  const { client, asked } = reflection(() => root);
  const schemas = new TapSchemas({ reflection: client });
  const first = schemas.lookup('/routeguide.RouteGuide/GetFeature');
  const second = schemas.lookup('/routeguide.RouteGuide/RouteChat');
  t.ok(first instanceof Promise && second instanceof Promise, 'the first calls wait for the answer');
  t.equal(name(await first), 'reflection Point→Feature');
  t.equal(name(await second), 'reflection RouteNote→RouteNote');
  t.equal(name(schemas.lookup('/routeguide.RouteGuide/ListFeatures') as SchemaLookup), 'reflection Rectangle→Feature');
  t.same(asked, ['routeguide.RouteGuide'], 'one question for the service');
  t.equal(
    name(schemas.lookup('/routeguide.RouteGuide/Nope') as SchemaLookup),
    'none: routeguide.RouteGuide has no method Nope',
  );
  t.match(name(schemas.lookup('not a path') as SchemaLookup), /"not a path" is not a \/package\.Service\/Method path/);
});

t.test('a server without reflection is asked once, whatever the service', async (t) => {
  const { client, asked } = reflection(() => new GrpcError(Status.UNIMPLEMENTED, 'unknown service'));
  const schemas = new TapSchemas({ reflection: client });
  t.equal(
    name(await schemas.lookup('/routeguide.RouteGuide/GetFeature')),
    'none: the server has no reflection (v1 and v1alpha: UNIMPLEMENTED)',
  );
  t.match(name(await schemas.lookup('/other.Service/Call')), /no reflection/);
  t.same(asked, ['routeguide.RouteGuide']);
});

t.test('unknown to reflection, or failing: why, and --proto tried first', async (t) => {
  const { client, asked } = reflection((symbol) =>
    symbol === 'down.Service'
      ? new GrpcError(Status.UNAVAILABLE, 'connection refused')
      : new GrpcError(Status.NOT_FOUND, 'no'),
  );
  const schemas = new TapSchemas({ protoRoot: root, reflection: client });
  t.equal(
    name(await schemas.lookup('/shop.Orders/Get')),
    'none: service shop.Orders not in the --proto files; reflection does not know shop.Orders',
  );
  t.equal(
    name(schemas.lookup('/shop.Orders/Get') as SchemaLookup),
    name(await schemas.lookup('/shop.Orders/Get')),
    'kept',
  );
  t.match(name(await schemas.lookup('/down.Service/Call')), /reflection failed: UNAVAILABLE: connection refused/);
  t.match(name(await schemas.lookup('/down.Service/Call')), /UNAVAILABLE/, 'a passing failure is kept for a while');
  t.same(asked, ['shop.Orders', 'down.Service']);
});

t.test('no --proto and --no-reflection', async (t) => {
  t.equal(name(new TapSchemas().lookup('/a.B/C') as SchemaLookup), 'none: no --proto files, and --no-reflection');
});
