// docs/faults.md stays true: the generator behind `npm run docs:faults` runs every fault against
// every client again, and the page it makes must be the one committed — but for the time column,
// which is each run's own. A change to the tap, to our client, or in an installed peer that changes
// what a client reports fails here until the page is made again and the change reviewed. A client
// not installed here (outside CI=true, where that is an error) is left out of the comparison.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { comparable, faultsMarkdown } from '../../scripts/faults-table/markdown.js';
import { runTable } from '../../scripts/faults-table/run.js';

t.setTimeout(240_000);

const COMMITTED = new URL('../../docs/faults.md', import.meta.url);

t.test('docs/faults.md is what every client reports today', async (t) => {
  const table = await runTable();
  const fresh = comparable(faultsMarkdown(table)).split('\n');
  const committed = comparable(readFileSync(COMMITTED, 'utf8')).split('\n');
  const missing = table.clients.filter((c) => c.unavailable !== undefined);
  for (const client of missing)
    t.comment(`${client.title} not installed here: its cells are not compared (${client.unavailable})`);
  t.equal(fresh.length, committed.length, 'the same lines');
  const differ = fresh
    .map((line, i) => ({ line: i + 1, fresh: line, committed: committed[i] }))
    .filter((d) => d.fresh !== d.committed && !(missing.length > 0 && /not installed/.test(d.fresh)));
  t.same(
    differ,
    [],
    'docs/faults.md matches (if the change is meant, run npm run docs:faults and review git diff docs/faults.md)',
  );
});
