// What the fuzz targets watch of the processes under test: their memory, and what a process that
// died said last.

import { readFileSync } from 'node:fs';

/** VmRSS of process `pid` in bytes (Linux), or undefined when it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** What a process that died said last: its error line, then the lines around it (the stack). */
export function crashReport(output: string, lines = 25): string {
  const all = output.trimEnd().split('\n');
  const error =
    [...all].reverse().find((line) => /^(\w*Error\b|Error \[|Uncaught|node:internal)/.test(line)) ?? all.at(-1) ?? '';
  return `${error}\n${all.slice(-lines).join('\n')}`;
}
