/**
 * Rule files into tokens, each with its line and column. A file is bounded (MAX_RULE_FILE_BYTES,
 * MAX_TOKENS) so a deploy cannot make the parser do unbounded work; anything the language does
 * not have is a RuleSyntaxError naming the file, line and column.
 */
import type { Position } from './ast.js';

export const MAX_RULE_FILE_BYTES = 256 * 1024;
export const MAX_TOKENS = 100_000;
/** A string literal's characters, and a name's. */
export const MAX_STRING = 4096;
const MAX_NAME = 128;

/** A rule file refused at deploy: FILE:LINE:COLUMN: why. */
export class RuleFileError extends Error {
  constructor(
    readonly file: string,
    readonly pos: Position,
    readonly reason: string,
  ) {
    super(`${file}:${pos.line}:${pos.col}: ${reason}`);
  }
}

/** The text is not the language. */
export class RuleSyntaxError extends RuleFileError {}

/** The text parses, but names or kinds do not fit (an unknown name, a number compared with a string). */
export class RuleTypeError extends RuleFileError {}

export type TokenKind = 'name' | 'number' | 'string' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The name, the number's digits, the string's value, or the punctuation itself. */
  text: string;
  pos: Position;
}

// Longest first: '==' before '=', '&&' before '&'.
const PUNCTUATION = ['==', '!=', '<=', '>=', '&&', '||', '(', ')', '{', '}', ',', ';', ':', '.', '<', '>', '!', '+', '-', '*', '/', '%', '='];
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', n: '\n', t: '\t' };

export function tokenize(file: string, source: string): Token[] {
  if (Buffer.byteLength(source, 'utf8') > MAX_RULE_FILE_BYTES) throw new RuleSyntaxError(file, { line: 1, col: 1 }, `the file is larger than ${MAX_RULE_FILE_BYTES} bytes`);
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): Position => ({ line, col: i - lineStart + 1 });
  const fail = (reason: string, pos = here()): never => {
    throw new RuleSyntaxError(file, pos, reason);
  };
  const push = (kind: TokenKind, text: string, pos: Position): void => {
    if (tokens.length >= MAX_TOKENS) fail(`more than ${MAX_TOKENS} tokens`, pos);
    tokens.push({ kind, text, pos });
  };
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '\n') {
      i += 1;
      line += 1;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
    } else if (source.startsWith('//', i)) {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else if (source.startsWith('/*', i)) {
      const start = here();
      const end = source.indexOf('*/', i + 2);
      if (end < 0) fail('a comment that never ends (*/)', start);
      for (; i < end + 2; i += 1) {
        if (source[i] === '\n') {
          line += 1;
          lineStart = i + 1;
        }
      }
    } else if (/[A-Za-z_$]/.test(c)) {
      const start = here();
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(source.slice(i, i + MAX_NAME + 1)) as RegExpExecArray;
      if (m[0].length > MAX_NAME) fail(`a name longer than ${MAX_NAME} characters`, start);
      push('name', m[0], start);
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const start = here();
      const m = /^[0-9]+(?:\.[0-9]+)?/.exec(source.slice(i, i + 100)) as RegExpExecArray;
      const after = source[i + m[0].length];
      if (after !== undefined && /[A-Za-z_$0-9.]/.test(after)) fail(`"${source.slice(i, i + m[0].length + 1)}" is not a number (digits, an optional point and digits)`, start);
      push('number', m[0], start);
      i += m[0].length;
    } else if (c === '"') {
      const start = here();
      let value = '';
      i += 1;
      for (;;) {
        const ch = source[i];
        if (ch === undefined || ch === '\n') fail('a string that never ends (")', start);
        if (ch === '"') break;
        if (ch === '\\') {
          const escaped = ESCAPES[source[i + 1] ?? ''];
          if (escaped === undefined) fail(`"\\${source[i + 1] ?? ''}" is not an escape (\\" \\\\ \\n \\t)`);
          value += escaped;
          i += 2;
        } else {
          value += ch;
          i += 1;
        }
        if (value.length > MAX_STRING) fail(`a string longer than ${MAX_STRING} characters`, start);
      }
      i += 1;
      push('string', value, start);
    } else {
      const p = PUNCTUATION.find((q) => source.startsWith(q, i));
      if (!p) fail(`"${String.fromCodePoint(source.codePointAt(i) ?? 0)}" is not part of the language`);
      push('punct', p as string, here());
      i += (p as string).length;
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: here() });
  return tokens;
}
