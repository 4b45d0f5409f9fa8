/**
 * A parsed rule file into what the Rete network runs (spec/rules.md, "Compiling"): names
 * resolved, kinds checked against the file's declarations, `or` expanded into variants of a
 * rule, and each condition turned into a step that adds one entry to a partial match (a
 * token): a joined fact, nothing (for `not` and `exists`), or an accumulate's results. Every
 * expression becomes a closure once, here; a refusal is a RuleTypeError at FILE:LINE:COLUMN.
 */
import type { AccumulateFunction, Action, Condition, Declaration, Expr, FieldKind, Pattern, Position, RuleFile } from './ast.js';
import { Decimal, DecimalError } from './decimal.js';
import { HELPERS } from './helpers.js';
import { RuleTypeError } from './lexer.js';
import { compareValues, RuleRuntimeError, valueKey, valuesEqual, type Fact, type Value } from './values.js';

/** Variants one rule may expand into through `or`. */
export const MAX_VARIANTS = 64;
/**
 * Steps one rule variant may have: the network's matching recurses once per step, so this
 * bounds the stack a rule can take (the same on every node, far below any thread's stack).
 */
export const MAX_STEPS = 64;
/** Rules (variants included) one file may hold, and actions one rule may take. */
export const MAX_RULES = 2_000;
export const MAX_ACTIONS = 256;
/**
 * Expression nodes one file compiles to, variants counted (each variant compiles its own): the
 * bound on the compiler's time and on the memory a cached network holds.
 */
export const MAX_COMPILED_NODES = 20_000;
/** Fields of its facts one rule's conditions may read (what refraction compares on each firing). */
export const MAX_WATCHED_FIELDS = 64;

/** One entry of a token per step: the fact joined, null for not/exists, or an accumulate's results. */
export type Entry = Fact | ReadonlyMap<string, Value> | null;

/** What an expression sees: the partial match so far and the fact being matched (if any). */
export interface Scope {
  token: readonly Entry[];
  fact: Fact | null;
}

export type Eval = (scope: Scope) => Value;

type Kind = FieldKind | 'null' | 'any';

/** Where a name's value lives. */
type Place = { at: 'fact'; slot: number; type: string } | { at: 'field'; slot: number | 'current'; field: string; kind: Kind } | { at: 'result'; slot: number; name: string };

export interface CompiledPattern {
  type: string;
  /** Tests on the fact alone (shared by every rule that has the same ones). */
  alpha: ((fact: Fact) => boolean)[];
  /** Each alpha test's size (its expression's parts beyond a plain comparison): what running it is charged. */
  alphaWeights: number[];
  /** The alpha tests' text: patterns of one type with the same key share one memory. */
  alphaKey: string;
  /** Tests between the fact and the token. */
  joins: ((scope: Scope) => boolean)[];
  joinWeights: number[];
  /**
   * The pattern's `field == value-from-the-token` tests as one lookup key instead of a scan:
   * a fact files under the key of its fields' values, a token under the key of the values it
   * compares them with. The join still runs every test: the key only narrows the candidates.
   */
  index: { fields: string[]; factKey: (fact: Fact) => string; tokenKey: (token: readonly Entry[]) => string } | null;
  /** The step's whole text with names as places: equal keys under one parent share one node. */
  key: string;
}

export type Step =
  | { kind: 'join'; pattern: CompiledPattern }
  | { kind: 'not' | 'exists'; pattern: CompiledPattern }
  | {
      kind: 'accumulate';
      pattern: CompiledPattern;
      results: { name: string; fn: AccumulateFunction; arg: Eval | null }[];
      tests: ((scope: Scope) => boolean)[];
      testWeights: number[];
    };

export type CompiledAction =
  | { kind: 'modify'; slot: number; assignments: { field: string; value: Eval }[]; pos: Position }
  | { kind: 'insert'; type: string; assignments: { field: string; value: Eval }[]; pos: Position }
  | { kind: 'retract'; slot: number; pos: Position }
  | { kind: 'emit'; name: string; value: Eval; pos: Position };

export interface CompiledRule {
  name: string;
  /** Of the variants `or` made, which one (0 without `or`). */
  variant: number;
  /** Position in the file (then variant): the agenda's last tie-break. */
  order: number;
  salience: number;
  noLoop: boolean;
  steps: Step[];
  /** Per token slot, the fields of its fact the conditions read, sorted (empty for a slot without a fact). */
  watched: string[][];
  actions: CompiledAction[];
  pos: Position;
}

export interface CompiledFile {
  name: string;
  declarations: ReadonlyMap<string, ReadonlyMap<string, FieldKind>>;
  rules: CompiledRule[];
  /** Expression parts compiled, variants counted: what compiling the file was paid by. */
  parts: number;
}

const SYMBOL = /^[A-Z][A-Z0-9_]*$/;

function fail(file: string, pos: Position, reason: string): never {
  throw new RuleTypeError(file, pos, reason);
}

/** The conditions of a rule as alternatives, each a list of single steps (`or` distributed out). */
type Flat = Pattern | { kind: 'not'; body: Pattern; pos: Position } | { kind: 'exists'; body: Pattern; pos: Position } | Extract<Condition, { kind: 'accumulate' }>;

function variants(file: string, conditions: readonly Condition[]): Flat[][] {
  let out: Flat[][] = [[]];
  const product = (alternatives: Flat[][]): void => {
    const next: Flat[][] = [];
    for (const prefix of out) {
      for (const alt of alternatives) {
        // Refused as soon as a variant is too long, before the expansion costs more.
        if (prefix.length + alt.length > MAX_STEPS) fail(file, conditions[0]?.pos ?? { line: 1, col: 1 }, `a rule has more than ${MAX_STEPS} conditions (after "or" is expanded); at most ${MAX_STEPS}`);
        next.push([...prefix, ...alt]);
      }
    }
    if (next.length > MAX_VARIANTS) fail(file, conditions[0]?.pos ?? { line: 1, col: 1 }, `"or" makes more than ${MAX_VARIANTS} variants of this rule`);
    out = next;
  };
  for (const c of conditions) product(alternativesOf(file, c));
  return out;
}

function alternativesOf(file: string, c: Condition): Flat[][] {
  switch (c.kind) {
    case 'pattern':
    case 'accumulate':
      return [[c]];
    case 'and':
      return variants(file, c.items);
    case 'or':
      return c.items.flatMap((item) => alternativesOf(file, item));
    case 'not': {
      // not (A or B) is not A and not B; a body of one pattern is what a not node matches.
      if (c.body.kind === 'or') return alternativesOf(file, { kind: 'and', items: c.body.items.map((body) => ({ kind: 'not' as const, body, pos: c.pos })), pos: c.pos });
      if (c.body.kind !== 'pattern') fail(file, c.body.pos, '"not" takes one pattern (or patterns joined by "or")');
      return [[{ kind: 'not', body: c.body, pos: c.pos }]];
    }
    case 'exists': {
      if (c.body.kind === 'or') return c.body.items.flatMap((body) => alternativesOf(file, { kind: 'exists', body, pos: c.pos }));
      if (c.body.kind !== 'pattern') fail(file, c.body.pos, '"exists" takes one pattern (or patterns joined by "or")');
      return [[{ kind: 'exists', body: c.body, pos: c.pos }]];
    }
  }
}

class RuleCompiler {
  private readonly names = new Map<string, Place>();
  private slots = 0;
  /** Per token slot, the fields of its fact the conditions read (what a modify must change to match anew). */
  readonly watched = new Map<number, Set<string>>();
  /** Compiling conditions (reads are watched), not actions. */
  private inConditions = true;

  private watch(slot: number | 'current', field: string): void {
    if (!this.inConditions) return;
    const at = slot === 'current' ? this.slots : slot;
    const fields = this.watched.get(at) ?? new Set<string>();
    fields.add(field);
    this.watched.set(at, fields);
  }

  constructor(
    private readonly file: string,
    private readonly declarations: ReadonlyMap<string, ReadonlyMap<string, FieldKind>>,
    private readonly budget: { nodes: number },
  ) {}

  private fieldKind(type: string, field: string, pos: Position): Kind {
    const fields = this.declarations.get(type);
    if (!fields) return 'any';
    const kind = fields.get(field);
    if (!kind) fail(this.file, pos, `${type} has no field "${field}" (declared: ${[...fields.keys()].join(', ') || 'none'})`);
    return kind;
  }

  /** The expression as a closure with its kind, and its text with names as places (for sharing). */
  private expr(e: Expr, current: { type: string } | null): { run: Eval; kind: Kind; key: string; usesToken: boolean; usesFact: boolean } {
    if (++this.budget.nodes > MAX_COMPILED_NODES) fail(this.file, e.pos, `the file compiles to more than ${MAX_COMPILED_NODES} expression parts (each variant "or" makes counts): make it smaller`);
    switch (e.kind) {
      case 'number':
        return { run: () => e.value, kind: 'number', key: e.value.toString(), usesToken: false, usesFact: false };
      case 'string':
        return { run: () => e.value, kind: 'string', key: JSON.stringify(e.value), usesToken: false, usesFact: false };
      case 'bool':
        return { run: () => e.value, kind: 'bool', key: String(e.value), usesToken: false, usesFact: false };
      case 'null':
        return { run: () => null, kind: 'null', key: 'null', usesToken: false, usesFact: false };
      case 'name':
        return this.name(e.name, e.pos, current);
      case 'member': {
        if (e.object.kind !== 'name') fail(this.file, e.pos, 'a field is read from a fact\'s binding (m.price)');
        const place = this.names.get(e.object.name);
        if (!place || place.at !== 'fact') fail(this.file, e.object.pos, `"${e.object.name}" is not a fact bound earlier in this rule`);
        const { slot } = place;
        const field = e.field;
        const kind = this.fieldKind(place.type, field, e.pos);
        this.watch(slot, field);
        return { run: (s) => readField(s.token[slot] as Fact, field), kind, key: `#${slot}.${field}`, usesToken: true, usesFact: false };
      }
      case 'unary': {
        const inner = this.expr(e.operand, current);
        if (e.op === '!') {
          this.expect(inner.kind, 'bool', e.pos, '"!"');
          return { ...inner, kind: 'bool', key: `(!${inner.key})`, run: (s) => !truthy(inner.run(s), e.pos) };
        }
        this.expect(inner.kind, 'number', e.pos, '"-"');
        return { ...inner, kind: 'number', key: `(-${inner.key})`, run: (s) => asNumber(inner.run(s)).neg() };
      }
      case 'binary':
        return this.binary(e, current);
      case 'call': {
        const helper = HELPERS[e.callee];
        if (!helper) fail(this.file, e.pos, `no helper "${e.callee}" (there are ${Object.keys(HELPERS).join(', ')})`);
        const args = e.args.map((a) => this.expr(a, current));
        if (args.length < helper.params.length || (!helper.rest && args.length > helper.params.length)) fail(this.file, e.pos, `${e.callee} takes ${helper.params.length}${helper.rest ? ' or more' : ''} arguments`);
        args.forEach((a, i) => {
          const want = helper.params[i] ?? helper.rest;
          if (want !== 'any' && want !== undefined) this.expect(a.kind, want, e.args[i]?.pos ?? e.pos, `${e.callee}'s argument ${i + 1}`);
        });
        const runs = args.map((a) => a.run);
        return {
          run: (s) => helper.run(runs.map((r) => r(s))),
          kind: helper.returns,
          key: `${e.callee}(${args.map((a) => a.key).join(',')})`,
          usesToken: args.some((a) => a.usesToken),
          usesFact: args.some((a) => a.usesFact),
        };
      }
    }
  }

  private name(name: string, pos: Position, current: { type: string } | null) {
    const place = this.names.get(name);
    if (place?.at === 'field') {
      const { slot, field } = place;
      this.watch(slot, field);
      if (slot === 'current') return { run: (s: Scope) => readField(s.fact as Fact, field), kind: place.kind, key: `@.${field}`, usesToken: false, usesFact: true };
      return { run: (s: Scope) => readField(s.token[slot] as Fact, field), kind: place.kind, key: `#${slot}.${field}`, usesToken: true, usesFact: false };
    }
    if (place?.at === 'result') {
      const { slot, name: result } = place;
      return { run: (s: Scope) => (s.token[slot] as ReadonlyMap<string, Value>).get(result) ?? null, kind: 'any' as Kind, key: `#${slot}:${result}`, usesToken: true, usesFact: false };
    }
    if (place?.at === 'fact') fail(this.file, pos, `"${name}" is a fact; read one of its fields (${name}.field)`);
    const declared = current ? this.declarations.get(current.type) : undefined;
    if (current && (declared ? declared.has(name) || !SYMBOL.test(name) : !SYMBOL.test(name))) {
      const kind = this.fieldKind(current.type, name, pos);
      this.watch('current', name);
      return { run: (s: Scope) => readField(s.fact as Fact, name), kind, key: `@.${name}`, usesToken: false, usesFact: true };
    }
    if (SYMBOL.test(name)) return { run: () => name, kind: 'string' as Kind, key: JSON.stringify(name), usesToken: false, usesFact: false };
    fail(this.file, pos, current ? `"${name}" is not a binding of this rule nor a field of ${current.type}` : `"${name}" is not a binding of this rule`);
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>, current: { type: string } | null) {
    const l = this.expr(e.left, current);
    const r = this.expr(e.right, current);
    const key = `(${l.key}${e.op}${r.key})`;
    const uses = { usesToken: l.usesToken || r.usesToken, usesFact: l.usesFact || r.usesFact };
    const [lr, rr] = [l.run, r.run];
    switch (e.op) {
      case '&&':
      case '||': {
        this.expect(l.kind, 'bool', e.left.pos, `"${e.op}"`);
        this.expect(r.kind, 'bool', e.right.pos, `"${e.op}"`);
        const and = e.op === '&&';
        return { ...uses, key, kind: 'bool' as Kind, run: (s: Scope) => (and ? truthy(lr(s), e.pos) && truthy(rr(s), e.pos) : truthy(lr(s), e.pos) || truthy(rr(s), e.pos)) };
      }
      case '==':
      case '!=': {
        if (l.kind !== 'any' && r.kind !== 'any' && l.kind !== 'null' && r.kind !== 'null' && l.kind !== r.kind) fail(this.file, e.pos, `a ${l.kind} compared with a ${r.kind} is never equal`);
        const negate = e.op === '!=';
        return { ...uses, key, kind: 'bool' as Kind, run: (s: Scope) => valuesEqual(lr(s), rr(s)) !== negate };
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        for (const side of [l, r]) if (side.kind !== 'any' && side.kind !== 'number' && side.kind !== 'string') fail(this.file, e.pos, `"${e.op}" orders numbers or strings, not a ${side.kind}`);
        if (l.kind !== 'any' && r.kind !== 'any' && l.kind !== r.kind) fail(this.file, e.pos, `"${e.op}" between a ${l.kind} and a ${r.kind}`);
        const op = e.op;
        return {
          ...uses,
          key,
          kind: 'bool' as Kind,
          run: (s: Scope) => {
            const c = compareValues(lr(s), rr(s));
            if (c === undefined) throw new RuleRuntimeError(`"${op}" between values that have no order`);
            return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
          },
        };
      }
      default: {
        this.expect(l.kind, 'number', e.left.pos, `"${e.op}"`);
        this.expect(r.kind, 'number', e.right.pos, `"${e.op}"`);
        const op = e.op;
        return {
          ...uses,
          key,
          kind: 'number' as Kind,
          run: (s: Scope) => {
            const a = asNumber(lr(s));
            const b = asNumber(rr(s));
            try {
              return op === '+' ? a.add(b) : op === '-' ? a.sub(b) : op === '*' ? a.mul(b) : op === '/' ? a.div(b) : a.mod(b);
            } catch (err) {
              throw new RuleRuntimeError(err instanceof DecimalError ? err.message : String(err));
            }
          },
        };
      }
    }
  }

  private expect(kind: Kind, want: Kind, pos: Position, what: string): void {
    if (kind !== 'any' && kind !== want) fail(this.file, pos, `${what} takes a ${want}, not a ${kind}`);
  }

  /** A pattern's tests split into the fact's own (alpha) and those against the token (joins). */
  private pattern(p: Pattern, bindFields: boolean): CompiledPattern {
    const alpha: ((fact: Fact) => boolean)[] = [];
    const alphaWeights: number[] = [];
    const alphaKeys: string[] = [];
    const joins: ((scope: Scope) => boolean)[] = [];
    const joinWeights: number[] = [];
    const joinKeys: string[] = [];
    let index: CompiledPattern['index'] = null;
    const keyed: { field: string; value: Eval }[] = [];
    const local: string[] = [];
    for (const c of p.constraints) {
      if (c.kind === 'bind') {
        if (this.names.has(c.name)) fail(this.file, c.pos, `"${c.name}" is bound twice in this rule`);
        const kind = this.fieldKind(p.type, c.field, c.pos);
        this.names.set(c.name, { at: 'field', slot: 'current', field: c.field, kind });
        this.watch('current', c.field);
        local.push(c.name);
        continue;
      }
      const before = this.budget.nodes;
      const test = this.expr(c.expr, { type: p.type });
      const weight = Math.max(1, this.budget.nodes - before - 2);
      this.expect(test.kind, 'bool', c.pos, 'a constraint');
      const run = test.run;
      const pos = c.pos;
      if (!test.usesToken) {
        alpha.push((fact) => holds(run, { token: [], fact }, pos));
        alphaWeights.push(weight);
        alphaKeys.push(test.key);
        continue;
      }
      joins.push((scope) => holds(run, scope, pos));
      joinWeights.push(weight);
      joinKeys.push(test.key);
      // `field == <from the token>` (either way round): every such test is part of the index.
      if (c.expr.kind === 'binary' && c.expr.op === '==') {
        const sides = [c.expr.left, c.expr.right];
        for (const [i, side] of sides.entries()) {
          const other = sides[1 - i] as Expr;
          const field = side.kind === 'name' ? this.currentField(side.name) : undefined;
          if (field === undefined) continue;
          // The side was compiled and counted with the whole test; compiled again here as the
          // index's value, in the same pattern (its fields resolve as they did), not counted twice.
          const counted = this.budget.nodes;
          const value = this.expr(other, { type: p.type });
          this.budget.nodes = counted;
          if (value.usesFact || !value.usesToken) continue;
          keyed.push({ field, value: value.run });
          break;
        }
      }
    }
    if (keyed.length > 0) {
      const fields = keyed.map((k) => k.field);
      const values = keyed.map((k) => k.value);
      index = {
        fields,
        factKey: (fact) => indexKey(fields.map((f) => fact.fields.get(f) ?? null)),
        tokenKey: (token) => {
          const scope: Scope = { token, fact: null };
          return indexKey(values.map((v) => valueOr(v, scope)));
        },
      };
    }
    const slot = this.slots;
    // The fields this pattern bound now live in its slot of the token (when it joins one).
    for (const name of local) {
      const place = this.names.get(name);
      if (place?.at === 'field') {
        if (bindFields) this.names.set(name, { ...place, slot });
        else this.names.delete(name);
      }
    }
    const alphaKey = `${p.type}(${[...alphaKeys].sort().join(',')})`;
    return { type: p.type, alpha, alphaWeights, alphaKey, joins, joinWeights, index, key: `${alphaKey}[${joinKeys.join(',')}]` };
  }

  private currentField(name: string): string | undefined {
    const place = this.names.get(name);
    if (place) return place.at === 'field' && place.slot === 'current' ? place.field : undefined;
    return SYMBOL.test(name) ? undefined : name;
  }

  step(c: Flat): Step {
    if (c.kind === 'pattern') {
      if (c.binding && this.names.has(c.binding)) fail(this.file, c.pos, `"${c.binding}" is bound twice in this rule`);
      const pattern = this.pattern(c, true);
      if (c.binding) this.names.set(c.binding, { at: 'fact', slot: this.slots, type: c.type });
      this.slots += 1;
      return { kind: 'join', pattern };
    }
    if (c.kind === 'not' || c.kind === 'exists') {
      if (c.body.binding) fail(this.file, c.body.pos, `a fact under "${c.kind}" cannot be bound: no one fact matched`);
      const pattern = this.pattern(c.body, false);
      this.slots += 1;
      return { kind: c.kind, pattern: { ...pattern, key: `${c.kind}:${pattern.key}` } };
    }
    if (c.source.binding) fail(this.file, c.source.pos, 'an accumulated fact cannot be bound: the results name what it gives');
    // The source's field bindings are the results' arguments, read from the fact being folded.
    const before = new Set(this.names.keys());
    const pattern = this.pattern(c.source, false);
    for (const k of c.source.constraints) {
      if (k.kind === 'bind') this.names.set(k.name, { at: 'field', slot: 'current', field: k.field, kind: this.fieldKind(c.source.type, k.field, k.pos) });
    }
    const results = c.results.map((r) => {
      const arg = r.arg ? this.expr(r.arg, { type: c.source.type }) : null;
      if (arg) this.expect(arg.kind, 'number', r.pos, r.fn);
      return { name: r.name, fn: r.fn, arg: arg?.run ?? null, key: `${r.name}:${r.fn}(${arg?.key ?? ''})` };
    });
    for (const name of this.names.keys()) if (!before.has(name)) this.names.delete(name);
    const slot = this.slots;
    for (const r of c.results) {
      if (this.names.has(r.name)) fail(this.file, r.pos, `"${r.name}" is bound twice in this rule`);
      this.names.set(r.name, { at: 'result', slot, name: r.name });
    }
    this.slots += 1;
    const tests = c.tests.map((t) => {
      const before = this.budget.nodes;
      const test = this.expr(t, null);
      const weight = Math.max(1, this.budget.nodes - before - 2);
      this.expect(test.kind, 'bool', t.pos, 'an accumulate\'s test');
      const run = test.run;
      return { run: (scope: Scope) => holds(run, scope, t.pos), key: test.key, weight };
    });
    return {
      kind: 'accumulate',
      pattern: { ...pattern, key: `acc:${pattern.key};${results.map((r) => r.key).join(',')};${tests.map((t) => t.key).join(',')}` },
      results: results.map(({ name, fn, arg }) => ({ name, fn, arg })),
      tests: tests.map((t) => t.run),
      testWeights: tests.map((t) => t.weight),
    };
  }

  action(a: Action): CompiledAction {
    this.inConditions = false;
    const assignments = (type: string, list: { field: string; value: Expr; pos: Position }[]) => {
      const seen = new Set<string>();
      return list.map((x) => {
        if (seen.has(x.field)) fail(this.file, x.pos, `"${x.field}" is set twice`);
        seen.add(x.field);
        const kind = this.fieldKind(type, x.field, x.pos);
        const value = this.expr(x.value, null);
        if (kind !== 'any' && value.kind !== 'any' && value.kind !== 'null' && value.kind !== kind) fail(this.file, x.pos, `${type}.${x.field} holds a ${kind}, not a ${value.kind}`);
        return { field: x.field, value: value.run };
      });
    };
    const factSlot = (name: string, pos: Position): { slot: number; type: string } => {
      const place = this.names.get(name);
      if (!place || place.at !== 'fact') fail(this.file, pos, `"${name}" is not a fact bound in this rule's conditions`);
      return place;
    };
    switch (a.kind) {
      case 'modify': {
        const { slot, type } = factSlot(a.target, a.pos);
        return { kind: 'modify', slot, assignments: assignments(type, a.assignments), pos: a.pos };
      }
      case 'insert':
        return { kind: 'insert', type: a.type, assignments: assignments(a.type, a.assignments), pos: a.pos };
      case 'retract':
        return { kind: 'retract', slot: factSlot(a.target, a.pos).slot, pos: a.pos };
      case 'emit':
        return { kind: 'emit', name: a.name, value: this.expr(a.value, null).run, pos: a.pos };
    }
  }
}

/** One key for a list of values: each part's canonical key, length-prefixed so no two lists share one. */
function indexKey(values: readonly Value[]): string {
  let key = '';
  for (const v of values) {
    const part = valueKey(v);
    key += `${part.length}:${part}`;
  }
  return key;
}

/** A value to file under: null's key when it cannot be worked out (the join's tests then decide). */
function valueOr(run: Eval, scope: Scope): Value {
  try {
    return run(scope);
  } catch (err) {
    if (err instanceof RuleRuntimeError) return null;
    throw err;
  }
}

function readField(fact: Fact, field: string): Value {
  return fact.fields.get(field) ?? null;
}

function asNumber(v: Value): Decimal {
  if (!(v instanceof Decimal)) throw new RuleRuntimeError(`a number was needed, not ${v === null ? 'null' : typeof v}`);
  return v;
}

function truthy(v: Value, pos: Position): boolean {
  if (typeof v !== 'boolean') throw new RuleRuntimeError(`${pos.line}:${pos.col}: a condition needs true or false`);
  return v;
}

/** A test in a condition: true, or false when it does not hold or cannot be worked out (a missing field, a wrong kind). */
function holds(run: Eval, scope: Scope, pos: Position): boolean {
  try {
    return truthy(run(scope), pos);
  } catch (err) {
    if (err instanceof RuleRuntimeError) return false;
    throw err;
  }
}

function declarationMap(file: string, declarations: readonly Declaration[]): Map<string, Map<string, FieldKind>> {
  const out = new Map<string, Map<string, FieldKind>>();
  for (const d of declarations) {
    if (out.has(d.type)) fail(file, d.pos, `${d.type} is declared twice`);
    const fields = new Map<string, FieldKind>();
    for (const f of d.fields) {
      if (fields.has(f.name)) fail(file, f.pos, `${d.type}.${f.name} is declared twice`);
      fields.set(f.name, f.kind);
    }
    out.set(d.type, fields);
  }
  return out;
}

/** The rule file compiled; a RuleTypeError (file:line:col: why) when a name or a kind does not fit. */
/**
 * `pay` is told the expression parts of each rule variant as it is compiled: the compile's work
 * grows with them (an `or` multiplies a rule), not with the file's bytes, so gas counts them.
 */
export function compileRuleFile(parsed: RuleFile, pay: (parts: number) => void = () => undefined): CompiledFile {
  const declarations = declarationMap(parsed.name, parsed.declarations);
  const names = new Set<string>();
  const rules: CompiledRule[] = [];
  const budget = { nodes: 0 };
  let paid = 0;
  parsed.rules.forEach((rule) => {
    if (names.has(rule.name)) fail(parsed.name, rule.pos, `a second rule named "${rule.name}"`);
    names.add(rule.name);
    if (rule.then.length > MAX_ACTIONS) fail(parsed.name, rule.pos, `rule "${rule.name}" has ${rule.then.length} actions; at most ${MAX_ACTIONS}`);
    variants(parsed.name, rule.when).forEach((flat, variant) => {
      if (flat.length > MAX_STEPS) fail(parsed.name, rule.pos, `rule "${rule.name}" has ${flat.length} conditions; at most ${MAX_STEPS}`);
      if (rules.length >= MAX_RULES) fail(parsed.name, rule.pos, `more than ${MAX_RULES} rules (counting the variants "or" makes)`);
      const compiler = new RuleCompiler(parsed.name, declarations, budget);
      const steps = flat.map((c) => compiler.step(c));
      const watched = steps.map((_, slot) => [...(compiler.watched.get(slot) ?? [])].sort());
      if (watched.reduce((n, w) => n + w.length, 0) > MAX_WATCHED_FIELDS) fail(parsed.name, rule.pos, `rule "${rule.name}" reads more than ${MAX_WATCHED_FIELDS} fields of its facts`);
      rules.push({ name: rule.name, variant, order: rules.length, salience: rule.salience, noLoop: rule.noLoop, steps, watched, actions: rule.then.map((a) => compiler.action(a)), pos: rule.pos });
      pay(budget.nodes - paid);
      paid = budget.nodes;
    });
  });
  return { name: parsed.name, declarations, rules, parts: budget.nodes };
}

