// `npm run docs:faults`: writes docs/faults.md, every fault of scripts/faults-table/cases.ts met by
// every client installed here (scripts/faults-table/clients.ts), as each client reports it.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CASES } from './faults-table/cases.js';
import { faultsMarkdown } from './faults-table/markdown.js';
import { runTable } from './faults-table/run.js';

const USAGE = 'usage: npm run docs:faults [-- [--out FILE] [--only NAME]…]';
const DEFAULT_OUT = fileURLToPath(new URL('../docs/faults.md', import.meta.url));

function options(): { out: string; only: string[] | undefined } {
  try {
    const { values } = parseArgs({
      options: { out: { type: 'string' }, only: { type: 'string', multiple: true }, help: { type: 'boolean' } },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    const unknown = values.only?.find((name) => !CASES.some((c) => c.name === name));
    if (unknown !== undefined)
      throw new Error(`--only: no fault ${unknown} (there are ${CASES.map((c) => c.name).join(', ')})`);
    return { out: values.out ?? DEFAULT_OUT, only: values.only };
  } catch (error) {
    console.error(`docs:faults: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const { out, only } = options();
try {
  const table = await runTable({ only, progress: (line) => console.error(line) });
  writeFileSync(out, faultsMarkdown(table));
  console.log(`wrote ${out}`);
} catch (error) {
  console.error(`docs:faults failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
}
