// Types for tap-failures.mjs (plain JavaScript, so that `npm test` runs without a TypeScript loader).

export interface TapFailure {
  /** The subtests it sits in, outermost (the test file) first. */
  path: string[];
  name: string;
  /** The lines of the diagnostic block tap printed under it, its indentation removed. */
  block: string[];
}

export function tapFailures(tapText: string, options?: { maxBlockLines?: number }): TapFailure[];
export function formatTapFailures(failures: TapFailure[]): string;
