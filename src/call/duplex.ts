// A node:stream view of a streaming call, for code that pipes: `pipeline(source, call.duplex(), sink)`.
//
// Object mode on both sides. Reading pulls the call's messages one at a time through the same
// iterator `for await` uses, so a reader that stops pulling pauses the HTTP/2 stream (reader.ts);
// writing goes through `send()`, whose promise is the write callback, so a peer that stops
// taking messages stops the writer (HTTP/2 flow control). Either way memory stays bounded.
//
// The call's failure (a status other than OK, cancellation, the deadline) destroys the stream with
// its GrpcError, whether or not anyone is reading; destroying the stream with an error ends the call
// (client: cancel; server: the error's status).

import { Duplex } from 'node:stream';

/** What the view needs of a call. */
export interface DuplexCall<In, Out> {
  /** The incoming messages. */
  messages(): AsyncIterator<In>;
  send(message: Out): Promise<void>;
  /** The writable side ended: no more messages (client: half-close; server: wait for sends). */
  finishSending(): Promise<void>;
  /** The stream was destroyed with `error` by its user. */
  abort(error: Error): void;
  /** Calls `listener` once if the call fails. */
  onFailure(listener: (error: Error) => void): void;
}

export function callDuplex<In, Out>(call: DuplexCall<In, Out>): Duplex {
  const messages = call.messages();
  let pulling = false;
  let failed = false;
  const duplex = new Duplex({
    objectMode: true,
    read() {
      if (pulling) return;
      pulling = true;
      messages.next().then(
        (result) => {
          pulling = false;
          // push() asks for the next message itself while the readable side has room.
          duplex.push(result.done ? null : result.value);
        },
        (error: Error) => fail(error),
      );
    },
    write(message: Out, _encoding, callback) {
      call.send(message).then(() => callback(), callback);
    },
    final(callback) {
      call.finishSending().then(() => callback(), callback);
    },
    destroy(error, callback) {
      // The call's own failure is already the call's status; any other error ends the call.
      if (error && !failed) call.abort(error);
      callback(error);
    },
  });
  const fail = (error: Error): void => {
    failed = true;
    duplex.destroy(error);
  };
  call.onFailure(fail);
  return duplex;
}
