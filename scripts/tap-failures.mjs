// The failures in a TAP stream (TAP 14, as tap prints it), each with the names of the subtests it sits
// in and the diagnostic block tap printed under it. `npm test` prints them once more at its end, so a
// log that keeps only its last lines still says what failed.

const SUBTEST = /^(\s*)# Subtest: (.*)$/;
const NOT_OK = /^(\s*)not ok \d+ - (.*?)(?: # .*)?$/;
const BLOCK_START = /^\s*---$/;
const BLOCK_END = /^\s*\.\.\.$/;

/** The failed assertions of `tapText` (not the subtests that failed because of them), in order. */
export function tapFailures(tapText, { maxBlockLines = 30 } = {}) {
  const lines = tapText.split('\n');
  /** The enclosing subtests: [indent, name], outermost first. */
  const open = [];
  const failures = [];
  for (let i = 0; i < lines.length; i++) {
    const subtest = SUBTEST.exec(lines[i]);
    if (subtest) {
      const indent = subtest[1].length;
      while (open.length > 0 && open.at(-1)[0] >= indent) open.pop();
      open.push([indent, subtest[2]]);
      continue;
    }
    const notOk = NOT_OK.exec(lines[i]);
    if (!notOk) continue;
    const indent = notOk[1].length;
    while (open.length > 0 && open.at(-1)[0] > indent) open.pop();
    // A subtest's own result line sits at the indent of its "# Subtest:" line and closes it.
    const closes = open.length > 0 && open.at(-1)[0] === indent && open.at(-1)[1] === notOk[2];
    if (open.length > 0 && open.at(-1)[0] === indent) open.pop();
    if (closes) continue;
    const block = [];
    if (BLOCK_START.test(lines[i + 1] ?? '')) {
      for (let j = i + 2; j < lines.length && !BLOCK_END.test(lines[j]); j++) block.push(lines[j].slice(indent + 2));
    }
    failures.push({
      path: open.map(([, name]) => unescapeName(name)),
      name: unescapeName(notOk[2]),
      block: block.length > maxBlockLines ? [...block.slice(0, maxBlockLines), '…'] : block,
    });
  }
  return failures;
}

/** A test name as given: TAP escapes "#" in names (TAP 14, "Test Point"). */
const unescapeName = (name) => name.replace(/\\#/g, '#');

/** The failures as text: a line of each one's subtest path and name, then its diagnostic block. */
export function formatTapFailures(failures) {
  return failures
    .map(({ path, name, block }) => [[...path, name].join(' › '), ...block.map((line) => `  ${line}`)].join('\n'))
    .join('\n\n');
}
