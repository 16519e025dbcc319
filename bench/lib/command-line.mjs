// The command lines of the benchmark programs, read as the CLI reads its own (src/cli/command.ts):
// node:util parseArgs, strict — an unknown option, a missing value or a stray argument prints one
// line and the usage, exit status 2 — and --help (-h) prints the usage, exit status 0.

import { parseArgs } from 'node:util';

/**
 * Parses `argv` for the program `name`; returns parseArgs' {values, positionals}. `usage` is the
 * whole help text, from its "usage:" line on; `options` are parseArgs options.
 */
export function parseCommandLine(name, usage, options, { positionals = false, argv = process.argv.slice(2) } = {}) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (error) {
    usageError(name, usage, error.message);
  }
  if (parsed.values.help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}

/** A mistake on the command line: one line saying what, then the usage; exit status 2. */
export function usageError(name, usage, message) {
  console.error(`${name}: ${message}\n${usage}`);
  process.exit(2);
}

/** `value` (a string option) as a whole number in [min, max], or a usage error naming `--flag`. */
export function integerOption(name, usage, flag, value, min, max) {
  const number = Number(value);
  if (!/^-?\d+$/.test(value) || number < min || number > max)
    usageError(name, usage, `${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  return number;
}
