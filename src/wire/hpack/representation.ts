// How a header field was encoded: the five representations of RFC 7541 §6, as the decoder reports
// them, and their one-line description for humans.

/** A table entry as referenced on the wire: 1-based, the dynamic table starting at 62 (§2.3.3). */
export type TableRef = { table: 'static' | 'dynamic'; index: number };

export type Representation =
  | { kind: 'indexed'; ref: TableRef } // §6.1
  | {
      kind: 'literal';
      /** §6.2.1 with incremental indexing, §6.2.2 without indexing, §6.2.3 never indexed. */
      indexing: 'incremental' | 'without' | 'never';
      /** The name taken from a table entry, or sent as a string literal (Huffman-coded or plain). */
      name: TableRef | { huffman: boolean };
      valueHuffman: boolean;
    };

export interface HeaderField {
  /** Octets of the name and value, one latin1 character per octet. */
  name: string;
  value: string;
  representation: Representation;
  /** Where the field's representation starts in the block, and how many bytes it takes. */
  offset: number;
  length: number;
}

/**
 * Where one representation's parts lie in its block (the decoder reports them when asked, for the
 * hex view): its first byte holds the representation's pattern bits and the prefix of its integer
 * (§5.1, §6) — an index, a name index, or a table size — and the integer's continuation bytes follow
 * up to `integerEnd`; a literal's name (when it is a string: name index 0) and value come next.
 */
export interface RepresentationBytes {
  at: number;
  /** Bits of the first byte that the integer takes: 7 (indexed), 6 (incremental indexing), 5 (size update), 4. */
  prefixBits: number;
  integerEnd: number;
  name?: StringBytes;
  value?: StringBytes;
  end: number;
}

/** A string literal (§5.2): its first byte (the H bit and the length's prefix), its octets from `octetsAt` to `end`. */
export interface StringBytes {
  at: number;
  octetsAt: number;
  end: number;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** §6.3 dynamic table size updates at the start of the block, in order. */
  tableSizeUpdates: number[];
}

const INDEXING: Record<'incremental' | 'without' | 'never', string> = {
  incremental: 'literal, incremental indexing',
  without: 'literal without indexing',
  never: 'literal never indexed',
};

/**
 * "indexed (static 2)", "literal, incremental indexing, name static 4, value Huffman",
 * "literal never indexed, name literal (Huffman), value plain".
 */
export function describeRepresentation(r: Representation): string {
  if (r.kind === 'indexed') return `indexed (${r.ref.table} ${r.ref.index})`;
  const name =
    'table' in r.name ? `name ${r.name.table} ${r.name.index}` : `name literal (${huffmanOrPlain(r.name.huffman)})`;
  return `${INDEXING[r.indexing]}, ${name}, value ${huffmanOrPlain(r.valueHuffman)}`;
}

function huffmanOrPlain(huffman: boolean): string {
  return huffman ? 'Huffman' : 'plain';
}
