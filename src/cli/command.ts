// What every subcommand is: a name, a usage line, its options in node:util parseArgs form (strict:
// an unknown option, a missing value or a stray argument is a usage error), and what it runs.

import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  /** One line for `--help`. */
  help: string;
  /** Placeholder shown in `--help` for a string option (default VALUE). */
  arg?: string;
};

export type Options = Record<string, OptionSpec>;

/**
 * The parsed options: strings for string options (arrays of them for `multiple: true`), booleans for
 * boolean ones, undefined when absent.
 */
export type Values<O extends Options> = {
  [K in keyof O]: O[K]['type'] extends 'boolean'
    ? boolean | undefined
    : O[K]['multiple'] extends true
      ? string[] | undefined
      : string | undefined;
};

export interface Command<O extends Options = Options> {
  name: string;
  /** The synopsis: `routeguide serve [--host H] ...`. */
  usage: string;
  /** What the command does, one line. */
  summary: string;
  options: O;
  run(values: Values<O>): Promise<void>;
}

/** A mistake on the command line: reported in one line plus the command's usage, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function defineCommand<O extends Options>(command: Command<O>): Command<O> {
  return command;
}

/** `--help` as every command takes it. */
const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help' };

/** Parses `argv` for `command`; returns undefined when it asked for --help. Throws UsageError. */
export function parseCommandLine<O extends Options>(command: Command<O>, argv: string[]): Values<O> | undefined {
  const options = { ...command.options, help: HELP };
  let parsed: { values: Record<string, unknown> };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(usageMessage(error));
  }
  if (parsed.values.help) return undefined;
  return parsed.values as Values<O>;
}

/** node:util's parse errors, reworded to one line each. */
function usageMessage(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const option = /'(--?[^' <]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option && /missing|ambiguous/.test(message)) {
    return `${option} needs a value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  return message.split('\n')[0];
}

/** The `--help` text: usage, summary and one line per option. */
export function helpText(command: Command): string {
  const rows = Object.entries({ ...command.options, help: HELP }).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '';
    const arg = spec.type === 'string' ? ` ${spec.arg ?? 'VALUE'}${spec.multiple ? '…' : ''}` : '';
    return [`  ${short}--${name}${arg}`, spec.help];
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = rows.map(([left, help]) => left.padEnd(width) + help);
  return `usage: ${command.usage}\n\n${command.summary}\n\noptions:\n${lines.join('\n')}`;
}

/** Parses `argv` and runs `command` (in-process; cli.ts adds the help text and exit statuses). */
export async function runCommandLine(command: Command, argv: string[]): Promise<void> {
  const values = parseCommandLine(command, argv);
  if (values !== undefined) await command.run(values);
}
