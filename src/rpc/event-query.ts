/**
 * CometBFT 0.38's event query language (its libs/pubsub/query/syntax), used by WebSocket
 * subscriptions and by tx_search / block_search (spec/rpc-search.md):
 *
 *   query     = condition { "AND" condition }
 *   condition = key ( "=" (string | number | date | time)
 *                   | ("<" | "<=" | ">" | ">=") (number | date | time)
 *                   | "CONTAINS" string | "EXISTS" )
 *
 * e.g. `tm.event='Tx' AND transfer.recipient='0x…' AND tx.height>=5`. Keys are composite
 * (`<event type>.<attribute key>`); a condition holds if ANY value of its key satisfies it.
 * Numbers compare exactly as decimals (never through binary floating point).
 */
import { invalidParams } from './errors.js';

/** Longest query text, as CometBFT's tx_search (maxQueryLength). */
export const MAX_QUERY_LENGTH = 512;
/** Most conditions in one query: each is checked against every event a subscription sees. */
export const MAX_QUERY_CONDITIONS = 32;

export type QueryOp = '=' | '<' | '<=' | '>' | '>=' | 'CONTAINS' | 'EXISTS';

/** A non-negative decimal, exactly: `int` without leading zeros ("0" for zero), `frac` without trailing zeros. */
export interface Decimal {
  int: string;
  frac: string;
}

/** A condition's argument; `text` is what the query wrote (without the quotes or the DATE/TIME word). */
export type QueryValue =
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string; number: Decimal }
  /** `instant`: nanoseconds since 1970-01-01T00:00:00Z. */
  | { kind: 'date'; text: string; instant: bigint }
  | { kind: 'time'; text: string; instant: bigint };

export interface QueryCondition {
  key: string;
  op: QueryOp;
  /** Absent for EXISTS only. */
  value?: QueryValue;
}

export interface EventQuery {
  /** The query as the client wrote it (trimmed): what a subscription is known by and echoes in its events. */
  readonly text: string;
  /** CometBFT's printed form of the query (`key op value` joined by ` AND `): equal for two writings of one query. */
  readonly normalized: string;
  readonly conditions: readonly QueryCondition[];
}

/** Each event key with every value it takes, e.g. "tm.event" -> ["Tx"]. */
export type EventTags = Map<string, string[]>;

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` with each lone UTF-16 surrogate replaced by U+FFFD, as UTF-8 writes it (and as
 * CometBFT's JSON decoding reads "\ud800"). The index compares UTF-8 bytes, so a query's
 * strings and the tags they are matched against are made well-formed for a subscription to
 * match what a search finds.
 */
export function wellFormed(text: string): string {
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\uFFFD') : text;
}

export function addTag(tags: EventTags, key: string, value: string): void {
  const list = tags.get(key);
  if (list) list.push(value);
  else tags.set(key, [value]);
}

// ---------------------------------------------------------------------------------------------
// Scanning

type TokenType = 'tag' | 'string' | 'number' | 'date' | 'time' | 'and' | 'contains' | 'exists' | 'op' | 'end';

interface Token {
  type: TokenType;
  text: string;
  /** Offset in the query text (UTF-16 units from 0), for error messages. */
  pos: number;
}

const TOKEN_NAMES: Record<TokenType, string> = {
  tag: 'a key', string: "a 'quoted string'", number: 'a number', date: 'a DATE', time: 'a TIME',
  and: 'AND', contains: 'CONTAINS', exists: 'EXISTS', op: 'an operator', end: 'the end of the query',
};

// Go's unicode.IsSpace, which CometBFT's scanner skips.
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
const TAG_FIRST = /[\p{L}\p{Nd}_]/u;
const TAG_REST = /[\p{L}\p{Nd}_.\-]/u;
const DIGIT = /[0-9]/;

class Scanner {
  private at = 0;

  constructor(private readonly src: string) {}

  private fail(pos: number, what: string): never {
    throw invalidParams(`query: ${what} at offset ${pos}; conditions are key='text', key=number, key>=number, key CONTAINS 'text' or key EXISTS, joined by AND`);
  }

  private charAt(i: number): string {
    const cp = this.src.codePointAt(i);
    return cp === undefined ? '' : String.fromCodePoint(cp);
  }

  next(): Token {
    while (this.at < this.src.length && SPACE.test(this.charAt(this.at))) this.at += this.charAt(this.at).length;
    const pos = this.at;
    if (pos >= this.src.length) return { type: 'end', text: '', pos };
    const ch = this.charAt(pos);
    if (DIGIT.test(ch)) return this.number(pos);
    if (TAG_FIRST.test(ch)) return this.tagLike(pos);
    if (ch === "'") return this.string(pos);
    if (ch === '<' || ch === '>' || ch === '=') {
      const op = ch !== '=' && this.src[pos + 1] === '=' ? `${ch}=` : ch;
      this.at = pos + op.length;
      return { type: 'op', text: op, pos };
    }
    return this.fail(pos, `unexpected ${JSON.stringify(ch)}`);
  }

  private advanceWhile(test: RegExp): void {
    while (this.at < this.src.length && test.test(this.charAt(this.at))) this.at += this.charAt(this.at).length;
  }

  private number(pos: number): Token {
    this.at = pos;
    this.advanceWhile(DIGIT);
    if (this.src[this.at] === '.') {
      const dot = this.at;
      this.at++;
      this.advanceWhile(DIGIT);
      if (this.at === dot + 1) this.fail(dot, 'a number needs digits after its decimal point');
    }
    return { type: 'number', text: this.src.slice(pos, this.at), pos };
  }

  private string(pos: number): Token {
    const end = this.src.indexOf("'", pos + 1);
    if (end < 0) this.fail(pos, 'a string without its closing quote');
    this.at = end + 1;
    return { type: 'string', text: this.src.slice(pos + 1, end), pos };
  }

  private tagLike(pos: number): Token {
    this.at = pos;
    this.advanceWhile(TAG_REST);
    const text = this.src.slice(pos, this.at);
    switch (text) {
      case 'AND':
        return { type: 'and', text, pos };
      case 'CONTAINS':
        return { type: 'contains', text, pos };
      case 'EXISTS':
        return { type: 'exists', text, pos };
      case 'DATE':
      case 'TIME':
        // As CometBFT's scanner: the word, one space, then the stamp; otherwise it is a key.
        if (this.src[this.at] === ' ') return this.stamp(text === 'DATE' ? 'date' : 'time', pos);
        return { type: 'tag', text, pos };
      default:
        return { type: 'tag', text, pos };
    }
  }

  private stamp(type: 'date' | 'time', pos: number): Token {
    const start = this.at + 1;
    this.at = start;
    this.advanceWhile(type === 'date' ? /[0-9-]/ : /[0-9TZ:+-]/);
    const text = this.src.slice(start, this.at);
    const instant = type === 'date' ? parseDate(text) : parseTime(text, false);
    if (instant === undefined) this.fail(start, type === 'date' ? `invalid DATE ${JSON.stringify(text)} (want DATE 2013-05-03)` : `invalid TIME ${JSON.stringify(text)} (want TIME 2013-05-03T14:45:00Z)`);
    const year = Number(text.slice(0, 4));
    if (year < 1900 || year > 2999) this.fail(start, `${type === 'date' ? 'DATE' : 'TIME'} year ${year} is outside 1900-2999`);
    return { type, text, pos };
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing and printing

function expect(scanner: Scanner, wanted: readonly TokenType[]): Token {
  const tok = scanner.next();
  if (wanted.includes(tok.type)) return tok;
  const got = tok.type === 'end' ? TOKEN_NAMES.end : `${TOKEN_NAMES[tok.type]} ${JSON.stringify(tok.text)}`;
  throw invalidParams(`query: expected ${wanted.map((t) => TOKEN_NAMES[t]).join(' or ')} at offset ${tok.pos}, got ${got}; e.g. tm.event='Tx' AND tx.height>=5`);
}

function valueOf(tok: Token): QueryValue {
  switch (tok.type) {
    case 'string':
      return { kind: 'string', text: wellFormed(tok.text) };
    case 'number':
      return { kind: 'number', text: tok.text, number: decimalOf(tok.text) };
    case 'date':
      return { kind: 'date', text: tok.text, instant: parseDate(tok.text) as bigint };
    default:
      return { kind: 'time', text: tok.text, instant: parseTime(tok.text, false) as bigint };
  }
}

function parseCondition(scanner: Scanner): QueryCondition {
  const key = expect(scanner, ['tag']).text;
  const opTok = expect(scanner, ['op', 'contains', 'exists']);
  if (opTok.type === 'exists') return { key, op: 'EXISTS' };
  if (opTok.type === 'contains') return { key, op: 'CONTAINS', value: valueOf(expect(scanner, ['string'])) };
  const op = opTok.text as QueryOp;
  const arg = expect(scanner, op === '=' ? ['string', 'number', 'date', 'time'] : ['number', 'date', 'time']);
  return { key, op, value: valueOf(arg) };
}

/** Parses a query; anything that is not one is invalid params naming the offset where it goes wrong. */
export function parseEventQuery(input: string): EventQuery {
  if (typeof input !== 'string' || input.length > MAX_QUERY_LENGTH) throw invalidParams(`query must be a string of at most ${MAX_QUERY_LENGTH} characters, e.g. tm.event='NewBlock'`);
  const text = input.trim();
  if (text.length === 0) throw invalidParams("query is empty; e.g. tm.event='NewBlock'");
  const scanner = new Scanner(text);
  const conditions = [parseCondition(scanner)];
  for (;;) {
    const tok = scanner.next();
    if (tok.type === 'end') break;
    if (tok.type !== 'and') throw invalidParams(`query: expected AND or the end of the query at offset ${tok.pos}, got ${TOKEN_NAMES[tok.type]} ${JSON.stringify(tok.text)} (only AND joins conditions)`);
    if (conditions.length === MAX_QUERY_CONDITIONS) throw invalidParams(`query: more than ${MAX_QUERY_CONDITIONS} conditions`);
    conditions.push(parseCondition(scanner));
  }
  return { text, normalized: formatConditions(conditions), conditions };
}

function formatValue(v: QueryValue): string {
  switch (v.kind) {
    case 'string':
      return `'${v.text}'`;
    case 'number':
      return v.text;
    case 'date':
      return `DATE ${v.text}`;
    case 'time':
      return `TIME ${v.text}`;
  }
}

/** CometBFT's printed form: `key op value` joined by ` AND `; it parses back to the same conditions. */
export function formatConditions(conditions: readonly QueryCondition[]): string {
  return conditions.map((c) => (c.value === undefined ? `${c.key} ${c.op}` : `${c.key} ${c.op} ${formatValue(c.value)}`)).join(' AND ');
}

// ---------------------------------------------------------------------------------------------
// Values

function decimalOf(digits: string): Decimal {
  const [intPart = '', fracPart = ''] = digits.split('.');
  return { int: intPart.replace(/^0+(?=.)/, ''), frac: fracPart.replace(/0+$/, '') };
}

function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.int.length !== b.int.length) return a.int.length < b.int.length ? -1 : 1;
  if (a.int !== b.int) return a.int < b.int ? -1 : 1;
  // Fractions without trailing zeros compare as digit strings: "5" (.5) < "51" (.51) < "6" (.6).
  return a.frac === b.frac ? 0 : a.frac < b.frac ? -1 : 1;
}

const NUMBER_PREFIX = /^[0-9]+(?:\.[0-9]+)?/;

/**
 * An attribute value as a number, as CometBFT reads it: its leading digits (with a fraction),
 * so "8atom" is 8 and "6.5stake" is 6.5; a value that starts otherwise (a sign, a letter) is none.
 */
export function attributeNumber(value: string): Decimal | undefined {
  const m = NUMBER_PREFIX.exec(value);
  return m ? decimalOf(m[0]) : undefined;
}

const NS_PER_DAY = 86_400_000_000_000n;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function dateDays(y: string, m: string, d: string): number | undefined {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

/** `YYYY-MM-DD` (Go's "2006-01-02") as the instant of its midnight UTC, or undefined. */
export function parseDate(text: string): bigint | undefined {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text);
  if (!m) return undefined;
  const days = dateDays(m[1] as string, m[2] as string, m[3] as string);
  return days === undefined ? undefined : BigInt(days) * NS_PER_DAY;
}

/** An RFC 3339 timestamp (Go's time.RFC3339; fractional seconds only if `fraction`), as nanoseconds since the epoch. */
export function parseTime(text: string, fraction = true): bigint | undefined {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/.exec(text);
  if (!m || (m[7] !== undefined && !fraction)) return undefined;
  const days = dateDays(m[1] as string, m[2] as string, m[3] as string);
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (days === undefined || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8] as string;
  if (zone !== 'Z') {
    const [oh, om] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const nanos = BigInt(((m[7] ?? '.').slice(1) + '000000000').slice(0, 9));
  const seconds = BigInt(days) * 86_400n + BigInt(hour * 3600 + minute * 60 + second - offsetMinutes * 60);
  return seconds * 1_000_000_000n + nanos;
}

function ordered(op: QueryOp, cmp: number): boolean {
  switch (op) {
    case '=':
      return cmp === 0;
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    default:
      return false;
  }
}

/** Whether one attribute value satisfies a condition. */
export function valueMatches(c: QueryCondition, value: string): boolean {
  const v = c.value;
  if (c.op === 'EXISTS' || v === undefined) return true;
  if (c.op === 'CONTAINS') return v.kind === 'string' && value.includes(v.text);
  switch (v.kind) {
    case 'string':
      return c.op === '=' && value === v.text;
    case 'number': {
      const n = attributeNumber(value);
      return n !== undefined && ordered(c.op, compareDecimals(n, v.number));
    }
    case 'date':
    case 'time': {
      const t = v.kind === 'date' ? parseDate(value) : parseTime(value);
      return t !== undefined && ordered(c.op, t < v.instant ? -1 : t > v.instant ? 1 : 0);
    }
  }
}

/**
 * True if the condition holds for the empty value. CometBFT matches a condition whose key is an
 * event TYPE (e.g. `transfer EXISTS`, the type of `transfer.recipient`) against "".
 */
export function matchesEmpty(c: QueryCondition): boolean {
  return valueMatches(c, '');
}

/** Whether `key` is the event type of some composite key in `tags` (the part before its last dot). */
function isEventType(key: string, tags: EventTags): boolean {
  for (const k of tags.keys()) {
    const dot = k.lastIndexOf('.');
    if (dot === key.length && k.startsWith(key)) return true;
  }
  return false;
}

/** Whether a condition holds for one event's tags: some value of its key satisfies it (CometBFT's semantics). */
export function conditionMatches(c: QueryCondition, tags: EventTags): boolean {
  // CometBFT splits each composite key at its last dot into type and attribute key: a key
  // without a dot has an empty type and is never found by name.
  const values = c.key.includes('.') ? tags.get(c.key) : undefined;
  if (values) for (const v of values) if (valueMatches(c, v)) return true;
  return matchesEmpty(c) && isEventType(c.key, tags);
}

/** Whether an event with these tags satisfies every condition of the query. */
export function matches(query: Pick<EventQuery, 'conditions'>, tags: EventTags): boolean {
  return tags.size > 0 && query.conditions.every((c) => conditionMatches(c, tags));
}
