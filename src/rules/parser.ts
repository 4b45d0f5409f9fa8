/**
 * Rule files into syntax trees (spec/rules.md, "Language"): recursive descent over the lexer's
 * tokens, one function per construct. Every refusal is a RuleSyntaxError with the file, line
 * and column of the token that did not fit and what was expected there. Nesting is bounded
 * (MAX_DEPTH) so a hostile file cannot exhaust the stack.
 */
import type { AccumulateFunction, Action, Assignment, BinaryOperator, Condition, Constraint, Declaration, Expr, FieldKind, Pattern, Position, Rule, RuleFile } from './ast.js';
import { Decimal, DecimalError } from './decimal.js';
import { RuleSyntaxError, tokenize, type Token } from './lexer.js';

/** Parentheses, conditions and expressions nested inside each other. */
export const MAX_DEPTH = 64;
/**
 * One expression's tree: at most this deep (a chain a + b + c + … is as deep as it is long,
 * and compiling and running it recurse once per level) and this many nodes.
 */
export const MAX_EXPR_DEPTH = 64;
export const MAX_EXPR_NODES = 512;
/** The salience a rule may give itself, either way. */
export const MAX_SALIENCE = 1_000_000;

const KEYWORDS = new Set(['rule', 'salience', 'when', 'then', 'end', 'not', 'exists', 'and', 'or', 'accumulate', 'modify', 'insert', 'retract', 'emit', 'true', 'false', 'null', 'declare']);
const ACCUMULATE_FUNCTIONS = new Set<AccumulateFunction>(['count', 'sum', 'min', 'max']);
const FIELD_KINDS: Readonly<Record<string, FieldKind>> = { Number: 'number', Integer: 'number', Decimal: 'number', String: 'string', Boolean: 'bool' };
/** Binary operators by precedence, loosest first. */
const LEVELS: BinaryOperator[][] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];

class Parser {
  private at = 0;
  private depth = 0;

  constructor(
    private readonly file: string,
    private readonly tokens: Token[],
  ) {}

  private get next(): Token {
    return this.tokens[this.at] as Token;
  }

  private peek(offset: number): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)] as Token;
  }

  private fail(expected: string, token = this.next): never {
    const found = token.kind === 'eof' ? 'the end of the file' : token.kind === 'string' ? `the string "${token.text.slice(0, 40)}"` : `"${token.text}"`;
    throw new RuleSyntaxError(this.file, token.pos, `expected ${expected}, found ${found}`);
  }

  private take(): Token {
    const token = this.next;
    if (token.kind !== 'eof') this.at += 1;
    return token;
  }

  private isPunct(text: string, token = this.next): boolean {
    return token.kind === 'punct' && token.text === text;
  }

  private isWord(word: string, token = this.next): boolean {
    return token.kind === 'name' && token.text === word;
  }

  private punct(text: string): Token {
    if (!this.isPunct(text)) this.fail(`"${text}"`);
    return this.take();
  }

  private word(word: string): Token {
    if (!this.isWord(word)) this.fail(`"${word}"`);
    return this.take();
  }

  /** A name that is not a keyword: a type, a field, a binding. */
  private name(what: string): Token {
    const token = this.next;
    if (token.kind !== 'name' || KEYWORDS.has(token.text)) this.fail(what);
    return this.take();
  }

  private nested<T>(pos: Position, parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new RuleSyntaxError(this.file, pos, `nested deeper than ${MAX_DEPTH} levels`);
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  parseFile(): RuleFile {
    const declarations: Declaration[] = [];
    const rules: Rule[] = [];
    while (this.next.kind !== 'eof') {
      if (this.isWord('declare')) declarations.push(this.declaration());
      else if (this.isWord('rule')) rules.push(this.rule());
      else this.fail('"rule" or "declare"');
    }
    return { name: this.file, declarations, rules };
  }

  /** The whole text as one expression (a guard). */
  parseExpression(): Expr {
    const e = this.expr();
    if (this.next.kind !== 'eof') this.fail('the end of the expression');
    return e;
  }

  private declaration(): Declaration {
    const pos = this.word('declare').pos;
    const type = this.name('a type name').text;
    const fields: Declaration['fields'] = [];
    while (!this.isWord('end')) {
      const field = this.name('a field name or "end"');
      this.punct(':');
      const kindToken = this.next;
      const kind = kindToken.kind === 'name' ? FIELD_KINDS[kindToken.text] : undefined;
      if (!kind) this.fail(`a field kind (${Object.keys(FIELD_KINDS).join(', ')})`);
      this.take();
      fields.push({ name: field.text, kind, pos: field.pos });
    }
    this.word('end');
    return { type, fields, pos };
  }

  private rule(): Rule {
    const pos = this.word('rule').pos;
    const nameToken = this.next;
    if (nameToken.kind !== 'string') this.fail('the rule\'s name in quotes');
    this.take();
    let salience = 0;
    let noLoop = false;
    for (;;) {
      if (this.isWord('salience')) {
        this.take();
        const negative = this.isPunct('-') ? (this.take(), true) : false;
        const value = this.next;
        if (value.kind !== 'number' || !/^\d+$/.test(value.text) || Number(value.text) > MAX_SALIENCE) this.fail(`an integer salience from -${MAX_SALIENCE} to ${MAX_SALIENCE}`);
        this.take();
        salience = negative ? -Number(value.text) : Number(value.text);
      } else if (this.isWord('no') && this.isPunct('-', this.peek(1)) && this.isWord('loop', this.peek(2))) {
        this.at += 3;
        noLoop = true;
      } else break;
    }
    this.word('when');
    const when: Condition[] = [];
    while (!this.isWord('then')) {
      if (this.next.kind === 'eof') this.fail('a condition or "then"');
      when.push(this.condition());
    }
    this.word('then');
    const then: Action[] = [];
    while (!this.isWord('end')) then.push(this.action());
    this.word('end');
    return { name: nameToken.text, salience, noLoop, when, then, pos };
  }

  /** condition := and { "or" and } */
  private condition(): Condition {
    const pos = this.next.pos;
    return this.nested(pos, () => {
      const items = [this.conjunction()];
      while (this.isWord('or')) {
        this.take();
        items.push(this.conjunction());
      }
      return items.length === 1 ? (items[0] as Condition) : { kind: 'or', items, pos };
    });
  }

  /** and := unary { "and" unary } */
  private conjunction(): Condition {
    const pos = this.next.pos;
    const items = [this.unaryCondition()];
    while (this.isWord('and')) {
      this.take();
      items.push(this.unaryCondition());
    }
    return items.length === 1 ? (items[0] as Condition) : { kind: 'and', items, pos };
  }

  private unaryCondition(): Condition {
    const pos = this.next.pos;
    if (this.isWord('not') || this.isWord('exists')) {
      const kind = this.take().text as 'not' | 'exists';
      return { kind, body: this.nested(pos, () => this.unaryCondition()), pos };
    }
    if (this.isPunct('(')) {
      this.take();
      const inner = this.condition();
      this.punct(')');
      return inner;
    }
    if (this.isWord('accumulate')) return this.accumulate();
    return this.pattern();
  }

  /** pattern := [ binding ":" ] Type "(" [ constraint { "," constraint } ] ")" */
  private pattern(): Pattern {
    const pos = this.next.pos;
    let binding: string | null = null;
    if (this.next.kind === 'name' && this.isPunct(':', this.peek(1))) {
      binding = this.name('a binding name').text;
      this.take();
    }
    const type = this.name('a fact type (as in Message(...)), "not", "exists", "accumulate" or "("').text;
    this.punct('(');
    const constraints: Constraint[] = [];
    if (!this.isPunct(')')) {
      constraints.push(this.constraint());
      while (this.isPunct(',')) {
        this.take();
        constraints.push(this.constraint());
      }
    }
    this.punct(')');
    return { kind: 'pattern', binding, type, constraints, pos };
  }

  /** `name : field` binds; anything else is a test over the fact's fields and the bindings. */
  private constraint(): Constraint {
    const pos = this.next.pos;
    if (this.next.kind === 'name' && this.isPunct(':', this.peek(1))) {
      const name = this.name('a binding name').text;
      this.take();
      const field = this.name('a field name').text;
      return { kind: 'bind', name, field, pos };
    }
    return { kind: 'test', expr: this.expr(), pos };
  }

  /** accumulate "(" pattern ";" result { "," result } [ ";" test { "," test } ] ")" */
  private accumulate() {
    const pos = this.word('accumulate').pos;
    this.punct('(');
    const source = this.pattern();
    this.punct(';');
    const results: { name: string; fn: AccumulateFunction; arg: Expr | null; pos: Position }[] = [];
    do {
      if (results.length > 0) this.take();
      const at = this.next.pos;
      const name = this.name('a name for the result (total : sum(x))').text;
      this.punct(':');
      const fnToken = this.next;
      if (fnToken.kind !== 'name' || !ACCUMULATE_FUNCTIONS.has(fnToken.text as AccumulateFunction)) this.fail('count, sum, min or max');
      this.take();
      this.punct('(');
      const arg = this.isPunct(')') ? null : this.expr();
      this.punct(')');
      const fn = fnToken.text as AccumulateFunction;
      if (fn !== 'count' && arg === null) throw new RuleSyntaxError(this.file, fnToken.pos, `${fn} needs the value it takes (${fn}(x))`);
      results.push({ name, fn, arg, pos: at });
    } while (this.isPunct(','));
    const tests: Expr[] = [];
    if (this.isPunct(';')) {
      do {
        this.take();
        tests.push(this.expr());
      } while (this.isPunct(','));
    }
    this.punct(')');
    return { kind: 'accumulate' as const, source, results, tests, pos };
  }

  private action(): Action {
    const token = this.next;
    const pos = token.pos;
    let action: Action;
    if (this.isWord('modify')) {
      this.take();
      this.punct('(');
      const target = this.name('the binding of the fact to modify').text;
      this.punct(')');
      action = { kind: 'modify', target, assignments: this.assignments(), pos };
    } else if (this.isWord('insert')) {
      this.take();
      const parenthesised = this.isPunct('(') ? (this.take(), true) : false;
      const type = this.name('the type of the fact to insert').text;
      const assignments = this.assignments();
      if (parenthesised) this.punct(')');
      action = { kind: 'insert', type, assignments, pos };
    } else if (this.isWord('retract')) {
      this.take();
      this.punct('(');
      const target = this.name('the binding of the fact to retract').text;
      this.punct(')');
      action = { kind: 'retract', target, pos };
    } else if (this.isWord('emit')) {
      this.take();
      this.punct('(');
      const nameToken = this.next;
      if (nameToken.kind !== 'string') this.fail('the event\'s name in quotes');
      this.take();
      this.punct(',');
      const value = this.expr();
      this.punct(')');
      action = { kind: 'emit', name: nameToken.text, value, pos };
    } else {
      this.fail('an action (modify, insert, retract, emit) or "end"');
    }
    if (this.isPunct(';')) this.take();
    return action;
  }

  /** "{" [ field "=" expr { "," field "=" expr } ] "}" */
  private assignments(): Assignment[] {
    this.punct('{');
    const out: Assignment[] = [];
    while (!this.isPunct('}')) {
      if (out.length > 0) this.punct(',');
      const field = this.name('a field name');
      this.punct('=');
      out.push({ field: field.text, value: this.expr(), pos: field.pos });
    }
    this.take();
    return out;
  }

  /** An expression, refused when its tree is deeper or larger than the bounds. */
  private expr(): Expr {
    const pos = this.next.pos;
    const e = this.level(0);
    const { depth, nodes } = measure(e);
    if (depth > MAX_EXPR_DEPTH) throw new RuleSyntaxError(this.file, pos, `an expression nested deeper than ${MAX_EXPR_DEPTH} levels (a long chain of operators counts a level each): split it`);
    if (nodes > MAX_EXPR_NODES) throw new RuleSyntaxError(this.file, pos, `an expression of more than ${MAX_EXPR_NODES} parts: split it`);
    return e;
  }

  /** One precedence level (LEVELS); below the last, a unary. Depth is counted where brackets and prefixes nest. */
  private level(level: number): Expr {
    const ops = LEVELS[level];
    if (!ops) return this.unary();
    let left = this.level(level + 1);
    while (this.next.kind === 'punct' && (ops as string[]).includes(this.next.text)) {
      const op = this.take();
      const right = this.level(level + 1);
      left = { kind: 'binary', op: op.text as BinaryOperator, left, right, pos: op.pos };
      // Comparisons do not chain: a < b < c is refused rather than read as (a < b) < c.
      if (level === 2 && this.next.kind === 'punct' && (ops as string[]).includes(this.next.text)) this.fail('"&&", "||", "," or ")" (comparisons do not chain)');
    }
    return left;
  }

  private unary(): Expr {
    const token = this.next;
    if (this.isPunct('!') || this.isPunct('-')) {
      this.take();
      return { kind: 'unary', op: token.text as '!' | '-', operand: this.nested(token.pos, () => this.unary()), pos: token.pos };
    }
    return this.postfix(this.primary());
  }

  private postfix(expr: Expr): Expr {
    let out = expr;
    while (this.isPunct('.')) {
      const dot = this.take();
      out = { kind: 'member', object: out, field: this.name('a field name after "."').text, pos: dot.pos };
    }
    return out;
  }

  private primary(): Expr {
    const token = this.next;
    const pos = token.pos;
    if (token.kind === 'number') {
      this.take();
      try {
        return { kind: 'number', value: Decimal.parse(token.text), pos };
      } catch (err) {
        throw new RuleSyntaxError(this.file, pos, err instanceof DecimalError ? err.message : 'not a number');
      }
    }
    if (token.kind === 'string') {
      this.take();
      return { kind: 'string', value: token.text, pos };
    }
    if (this.isWord('true') || this.isWord('false')) {
      this.take();
      return { kind: 'bool', value: token.text === 'true', pos };
    }
    if (this.isWord('null')) {
      this.take();
      return { kind: 'null', pos };
    }
    if (this.isPunct('(')) {
      this.take();
      const inner = this.nested(pos, () => this.expr());
      this.punct(')');
      return inner;
    }
    const name = this.name('a value (a number, a string, a name, "(")');
    if (this.isPunct('(')) {
      this.take();
      const args: Expr[] = [];
      while (!this.isPunct(')')) {
        if (args.length > 0) this.punct(',');
        args.push(this.nested(pos, () => this.expr()));
      }
      this.take();
      return { kind: 'call', callee: name.text, args, pos };
    }
    return { kind: 'name', name: name.text, pos };
  }
}

/** An expression tree's depth and size, walked without recursion (the tree is not yet known to be shallow). */
function measure(root: Expr): { depth: number; nodes: number } {
  let depth = 0;
  let nodes = 0;
  const stack: [Expr, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [e, d] = stack.pop() as [Expr, number];
    nodes += 1;
    if (d > depth) depth = d;
    if (nodes > MAX_EXPR_NODES || depth > MAX_EXPR_DEPTH) break;
    if (e.kind === 'binary') stack.push([e.left, d + 1], [e.right, d + 1]);
    else if (e.kind === 'unary') stack.push([e.operand, d + 1]);
    else if (e.kind === 'member') stack.push([e.object, d + 1]);
    else if (e.kind === 'call') for (const a of e.args) stack.push([a, d + 1]);
  }
  return { depth, nodes };
}

/** One rule file's syntax tree; a RuleSyntaxError (file:line:col: what was expected) otherwise. */
export function parseRuleFile(file: string, source: string): RuleFile {
  return new Parser(file, tokenize(file, source)).parseFile();
}

/** One expression alone (a process guard, spec/processes.md), under the same bounds as in a rule file. */
export function parseExpression(file: string, source: string): Expr {
  return new Parser(file, tokenize(file, source)).parseExpression();
}
