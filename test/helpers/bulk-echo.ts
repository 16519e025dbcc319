// Bulk traffic both ways through whatever sits between a client and our TestService server (the tap,
// a relay): one FullDuplexCall that sends `messages` requests of `size` bytes, each asking for a
// response as large, while it reads the responses, so that HTTP/2 flow control holds both sides.

import type { Channel } from '../../src/client/channel.js';
import { createClient } from '../../src/client/client.js';
import { testServiceDefinition, type TestServiceClient } from '../../src/services/testing/index.js';

/** Resolves, once the call has ended, with the response payload bytes received. */
export async function bulkEcho(channel: Channel, messages: number, size: number): Promise<number> {
  const call = createClient<TestServiceClient>(testServiceDefinition(), channel).fullDuplexCall({ timeoutMs: 60_000 });
  let received = 0;
  const reading = (async () => {
    for await (const response of call) received += response.payload?.body?.length ?? 0;
  })();
  for (let i = 0; i < messages; i++)
    await call.send({ response_parameters: [{ size }], payload: { body: Buffer.alloc(size, i) } });
  call.closeSend();
  await reading;
  return received;
}
