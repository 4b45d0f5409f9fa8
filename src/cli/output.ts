/** How commands print: a readable text form, or one JSON document with `-o json`. */
import { CmtError } from '../codec/errors.js';

export type OutputFormat = 'text' | 'json';

export function parseOutputFormat(value: string): OutputFormat {
  if (value !== 'text' && value !== 'json') throw new CmtError('INVALID_ARGUMENT', `--output must be "text" or "json", got "${value}"`);
  return value;
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

export function printResult(format: OutputFormat, json: unknown, text: () => string): void {
  process.stdout.write((format === 'json' ? toJson(json) : text()) + '\n');
}

/** Aligned "label: value" lines. */
export function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${(label + ':').padEnd(width + 1)}${value}`).join('\n');
}

/** A failure the user caused or must act on: printed without a stack trace, exit code 1. */
export class CommandError extends CmtError {
  constructor(message: string, code = 'COMMAND_FAILED') {
    super(code, message);
  }
}
