// The typed-array note store's block arena: messages of every length and kind of UTF-8 come back as
// they went in, blocks are reused after a free, and utf8Length agrees with Buffer.byteLength.

import t from 'tap';
import { BLOCK_SIZE, BlockArena, utf8Length } from '../../src/services/routeguide/block-arena.js';
import { Rng } from '../helpers/rng.js';

const random = new Rng(4242);
const PIECES = [
  'a',
  'Z',
  ' ',
  '~',
  'é',
  'ß',
  '€',
  '系',
  '😀',
  '\ud800',
  '\udc00',
  '\u0000',
  '\u007f',
  '\u0080',
  '\u07ff',
  '\u0800',
];
const text = (length: number) => Array.from({ length }, () => PIECES[random.int(PIECES.length)]).join('');

t.test('utf8Length is Buffer.byteLength, lone surrogates and all', async (t) => {
  const cases = [
    '',
    'abc',
    'é',
    '€',
    '😀',
    '\ud800',
    '\udc00',
    '\ud800\ud800',
    '\udc00\ud800',
    'a😀b',
    '😀'.repeat(40),
  ];
  for (let i = 0; i < 2000; i++) cases.push(text(random.int(90)));
  const wrong = cases.filter((s) => utf8Length(s) !== Buffer.byteLength(s, 'utf8'));
  t.same(wrong, [], 'no string measured differently');
});

t.test('messages come back as Buffer#toString would give them, across block boundaries', async (t) => {
  const arena = new BlockArena();
  const lengths = [0, 1, 63, 64, 65, 127, 128, 129, 1000, 5000];
  const stored: { first: number; size: number; want: string }[] = [];
  for (let i = 0; i < 600; i++) {
    const s =
      i < lengths.length ? 'x'.repeat(lengths[i]) : text(random.int(3) === 0 ? random.int(400) : random.int(40));
    const size = utf8Length(s);
    stored.push({ first: arena.store(s, size), size, want: Buffer.from(s, 'utf8').toString('utf8') });
  }
  t.equal(stored.filter((e) => arena.read(e.first, e.size) !== e.want).length, 0, 'every message read back intact');
});

t.test('freed blocks are reused before new ones are made', async (t) => {
  const arena = new BlockArena();
  const long = 'y'.repeat(3 * BLOCK_SIZE + 1); // 4 blocks
  const a = arena.store(long, long.length);
  const b = arena.store('short', 5);
  t.equal(arena.blocks, 5);
  arena.free(a);
  const c = arena.store('z'.repeat(2 * BLOCK_SIZE), 2 * BLOCK_SIZE); // 2 of the 4 freed
  const d = arena.store('w'.repeat(2 * BLOCK_SIZE), 2 * BLOCK_SIZE); // the other 2
  t.equal(arena.blocks, 5, 'no block made');
  t.equal(arena.read(b, 5), 'short');
  t.equal(arena.read(c, 2 * BLOCK_SIZE), 'z'.repeat(2 * BLOCK_SIZE));
  t.equal(arena.read(d, 2 * BLOCK_SIZE), 'w'.repeat(2 * BLOCK_SIZE));
  arena.store('v', 1);
  t.equal(arena.blocks, 6, 'a block made once none is free');
});

t.test('more than one slab of blocks', async (t) => {
  const arena = new BlockArena();
  const firsts: number[] = [];
  for (let i = 0; i < 40_000; i++) firsts.push(arena.store(`n${i}`, `n${i}`.length)); // 2.4 slabs
  t.equal(arena.blocks, 40_000);
  t.equal(firsts.filter((f, i) => arena.read(f, `n${i}`.length) !== `n${i}`).length, 0);
});
