import t from 'tap';
import { CallList } from '../../src/server/call-list.js';

class Item {
  listPrev: Item | undefined;
  listNext: Item | undefined;
  constructor(readonly id: number) {}
}

const ids = (list: CallList<Item>) => [...list].map((i) => i.id);

t.test('add and delete at the head, middle and tail keep the rest in order', async (t) => {
  const list = new CallList<Item>();
  const items = [1, 2, 3, 4, 5].map((id) => new Item(id));
  for (const item of items) list.add(item);
  t.same(ids(list), [5, 4, 3, 2, 1]);
  t.equal(list.size, 5);
  list.delete(items[2]); // middle
  t.same(ids(list), [5, 4, 2, 1]);
  list.delete(items[4]); // head
  t.same(ids(list), [4, 2, 1]);
  list.delete(items[0]); // tail
  t.same(ids(list), [4, 2]);
  t.equal(list.size, 2);
  t.equal(items[2].listPrev, undefined, 'a removed item keeps no links');
  t.equal(items[2].listNext, undefined);
});

t.test('deleting an item that is not in the list changes nothing', async (t) => {
  const list = new CallList<Item>();
  const a = new Item(1);
  const b = new Item(2);
  list.add(a);
  list.delete(b);
  list.delete(a);
  list.delete(a); // twice
  t.same(ids(list), []);
  t.equal(list.size, 0);
  list.add(b);
  t.same(ids(list), [2]);
});

t.test('the loop body may delete items while iterating', async (t) => {
  const list = new CallList<Item>();
  for (let id = 1; id <= 4; id++) list.add(new Item(id));
  const seen: number[] = [];
  for (const item of list) {
    seen.push(item.id);
    list.delete(item);
  }
  t.same(seen, [4, 3, 2, 1]);
  t.equal(list.size, 0);
});
