// Paragraphs and list items of markdown prose, wrapped again at WIDTH columns once the links are in.
// An inline code span is never split across lines (test/helpers/doc-references.ts reads code
// references line by line).

const WIDTH = 100;

export function reflow(markdown: string): string {
  return markdown
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = block.split('\n');
      if (!lines[0].startsWith('- ')) return wrap(words(block), '', '');
      // A list: each item starts with "- ", its other lines are its continuation.
      const items: string[] = [];
      for (const line of lines) {
        if (line.startsWith('- ')) items.push(line.slice(2));
        else items[items.length - 1] += ` ${line.trim()}`;
      }
      return items.map((item) => wrap(words(item), '- ', '  ')).join('\n');
    })
    .join('\n\n');
}

/** The words of `text`: runs of non-space characters, a code span counting as one run. */
function words(text: string): string[] {
  const out: string[] = [];
  let word = '';
  let inCode = false;
  for (const ch of text) {
    if (ch === '`') inCode = !inCode;
    if (!inCode && /\s/.test(ch)) {
      if (word) out.push(word);
      word = '';
    } else word += ch;
  }
  if (word) out.push(word);
  return out;
}

function wrap(list: string[], first: string, rest: string): string {
  const lines: string[] = [];
  let line = first;
  for (const word of list) {
    const prefix = lines.length === 0 ? first : rest;
    if (line.length > prefix.length && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = rest + word;
    } else line += line.length > prefix.length ? ` ${word}` : word;
  }
  lines.push(line);
  return lines.join('\n');
}
