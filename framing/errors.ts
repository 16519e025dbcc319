// What can go wrong with bytes on the wire. framing/ knows nothing of gRPC status codes: the
// protocol layer maps each kind to one (src/protocol/framing-status.ts).

export type FramingErrorKind =
  | 'too-large' //       declared or inflated size above the receive limit
  | 'bad-flag' //        Compressed-Flag other than 0 or 1
  | 'truncated' //       stream ended inside a message
  | 'compression'; //    a compressed body that does not inflate

export class FramingError extends Error {
  readonly kind: FramingErrorKind;

  constructor(kind: FramingErrorKind, message: string) {
    super(message);
    this.name = 'FramingError';
    this.kind = kind;
  }
}
