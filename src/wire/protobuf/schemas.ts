// Where the tap gets the message types of a call: from whoever starts it. The tap imports no server,
// client or service code; `routeguide tap` (src/cli/tap-schemas.ts) answers from its --proto files,
// then from the upstream's server reflection. Without a source every message is shown as its wire
// format.

import type protobuf from 'protobufjs';

/** The request and response types of one method, and where they came from. */
export interface MethodSchema {
  requestType: protobuf.Type;
  responseType: protobuf.Type;
  source: 'reflection' | 'proto';
}

/** No schema, and why (shown in the message's note). */
export interface NoSchema {
  missing: string;
}

export type SchemaLookup = MethodSchema | NoSchema;

export interface SchemaSource {
  /**
   * The types of the call on `path` (/package.Service/Method). Answers at once when it can; a
   * promise holds back that call's messages (and the events after them) until it settles, for a
   * bounded while (ordered-events.ts). A throw or a rejection is shown as no schema (askSchema).
   */
  lookup(path: string): SchemaLookup | Promise<SchemaLookup>;
}

/** `source.lookup(path)`, a throw or a rejection turned into no schema: a source's failure stays out of the relay. */
export function askSchema(source: SchemaSource | undefined, path: string): SchemaLookup | Promise<SchemaLookup> {
  if (!source) return { missing: 'the tap was given no schemas' };
  const failed = (error: unknown): NoSchema => ({
    missing: `the schema lookup failed: ${error instanceof Error ? error.message : String(error)}`,
  });
  try {
    const answer = source.lookup(path);
    return answer instanceof Promise ? answer.catch(failed) : answer;
  } catch (error) {
    return failed(error);
  }
}
