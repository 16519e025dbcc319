// Links as the transcripts write them: code by `path:name` (test/docs/spec-map.test.ts checks each
// one: the file exists and declares the name), made clickable; the specs by section.

/** A code reference, `src/…/file.ts:Name.member`, linked to its file from docs/wire/. */
export function code(reference: string): string {
  const path = reference.split(':')[0];
  return `[\`${reference}\`](../../${path})`;
}

const PROTOCOL = 'https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md';
const RFC9113 = 'https://www.rfc-editor.org/rfc/rfc9113';

/** A section of PROTOCOL-HTTP2, by its heading. */
export function protocol(section: string): string {
  const anchor = section
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
  return `[PROTOCOL-HTTP2 "${section}"](${PROTOCOL}#${anchor})`;
}

/** A section of RFC 9113 (HTTP/2). */
export function rfc9113(section: string): string {
  return `[RFC 9113 §${section}](${RFC9113}#section-${section})`;
}

/** RFC 7541 (HPACK), a section or the whole. */
export function rfc7541(section?: string): string {
  return section
    ? `[RFC 7541 §${section}](https://www.rfc-editor.org/rfc/rfc7541#section-${section})`
    : '[RFC 7541](https://www.rfc-editor.org/rfc/rfc7541)';
}

/** A page of the gRPC repository's doc/ directory (compression.md, keepalive.md …). */
export function grpcDoc(page: string, anchor?: string): string {
  return `[${page}](https://github.com/grpc/grpc/blob/master/doc/${page}${anchor ? `#${anchor}` : ''})`;
}
