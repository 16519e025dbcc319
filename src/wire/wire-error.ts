// What a decoder of someone else's bytes reports instead of throwing: where it happened and the
// rule that was broken. Every decoder of the tap returns these as events; none throws.

export interface WireError {
  /** Byte offset in the direction's stream (from its first byte) where the problem was seen. */
  offset: number;
  /** The rule, citing its source: `RFC 9113 §6.5`, `RFC 7541 §5.2`, `PROTOCOL-HTTP2 Requests`. */
  rule: string;
  /** One line saying what is wrong. */
  message: string;
}

/** Something a peer should not have sent, though the bytes could be read: the rule and what was seen. */
export interface Finding {
  rule: string;
  note: string;
}
