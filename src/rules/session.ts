/**
 * A working memory over a Rete network (spec/rules.md, "Sessions"): facts inserted, modified
 * and retracted update the network's memories incrementally (a fact is matched against the
 * nodes it reaches, never the whole memory again), and `fire` runs the agenda's activations in
 * the order spec/rules.md writes down: salience, then recency, then rule order. What the
 * engine does is charged to a meter, so a contract's gas bounds a rule set that never ends.
 */
import type { CompiledAction, CompiledRule, Entry, Scope } from './compile.js';
import { Decimal, DecimalError } from './decimal.js';
import type { AlphaNode, BetaNode, Network } from './network.js';
import { BinaryHeap } from '../runtime/binary-heap.js';
import { RuleRuntimeError, valueFrom, valueSize, valuesEqual, type Fact, type Value } from './values.js';

/** Work the engine charges for (spec/rules.md, "Gas"). */
export type Work = 'alphaTest' | 'joinTest' | 'token' | 'fold' | 'fire' | 'action' | 'valueBytes';

export interface SessionOptions {
  /**
   * Called before each piece of work; throwing stops the engine (a contract's out of gas).
   * `units`: a test's size (its expression's parts), or the bytes' worth of values an action makes.
   */
  charge?: (work: Work, units: number) => void;
  /** Facts a session may hold at once. */
  maxFacts?: number;
  /** Partial matches (tokens) it may hold at once: rules that join everything with everything stop here. */
  maxTokens?: number;
  /** Keep `fired`, the trace of firings (default true; a contract reads none of it, so its sessions keep none). */
  record?: boolean;
}

export const DEFAULT_MAX_FACTS = 100_000;
export const DEFAULT_MAX_TOKENS = 5_000_000;
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MAX_FIELDS = 256;

interface Token {
  entries: Entry[];
  node: BetaNode;
  parent: Token | null;
  /** Tokens made from this one (dead ones are skipped, not spliced out: removal is by flag). */
  children: Token[] | null;
  /** Children of this token that were removed (still in `children` until it is compacted). */
  dead: number;
  alive: boolean;
}

/** A not, exists or accumulate node's view of one parent token: the facts that match it, and its child. */
interface Partial {
  matched: Set<Fact>;
  child: Token | null;
}

interface Activation {
  rule: CompiledRule;
  token: Token;
  seq: number;
  /** The recencies of the token's facts, newest first (worked out when first compared). */
  recency: number[] | null;
  alive: boolean;
  /** Its firing key (firingKey), worked out when it was made: the token's facts cannot change while it lives. */
  key: [string, string];
}

function recencyOf(a: Activation): number[] {
  if (a.recency === null) {
    const out: number[] = [];
    for (const e of a.token.entries) if (isFact(e)) out.push(e.recency);
    a.recency = out.sort((x, y) => y - x);
  }
  return a.recency;
}

/** What `fire` did, in order: which rule fired on which facts. */
export interface Firing {
  rule: string;
  facts: number[];
}

export interface EmittedEvent {
  rule: string;
  name: string;
  value: Value;
}

function before(a: Activation, b: Activation): boolean {
  if (a.rule.salience !== b.rule.salience) return a.rule.salience > b.rule.salience;
  const ra = recencyOf(a);
  const rb = recencyOf(b);
  const n = Math.min(ra.length, rb.length);
  for (let i = 0; i < n; i++) if (ra[i] !== rb[i]) return (ra[i] as number) > (rb[i] as number);
  if (ra.length !== rb.length) return ra.length > rb.length;
  if (a.rule.order !== b.rule.order) return a.rule.order < b.rule.order;
  return a.seq < b.seq;
}

/** The agenda: a binary heap ordered by `before`; removed activations are skipped when they surface. */
class Agenda {
  private readonly heap = new BinaryHeap<Activation>(before);
  private dead = 0;

  /** One activation left the agenda without firing: once most are such, the heap is rebuilt without them. */
  dropped(): void {
    this.dead += 1;
    if (this.dead > 1024 && this.dead * 2 > this.heap.size) {
      this.heap.retain((a) => a.alive);
      this.dead = 0;
    }
  }

  push(a: Activation): void {
    this.heap.push(a);
  }

  pop(): Activation | undefined {
    for (let top = this.heap.pop(); top; top = this.heap.pop()) {
      if (top.alive) return top;
      this.dead = Math.max(0, this.dead - 1);
    }
    return undefined;
  }
}

export class RuleSession {
  private readonly facts = new Map<number, Fact>();
  private nextId = 1;
  private clock = 0;
  private seq = 0;
  private readonly alphaMemory: Set<Fact>[];
  private readonly tokens: Set<Token>[];
  /** Per beta node with an index: its alpha memory's facts by the indexed field's value. */
  private readonly rightIndex: (Map<string, Set<Fact>> | null)[];
  /** Per beta node with an index: its parent's tokens by the value the index compares with. */
  private readonly leftIndex: (Map<string, Set<Token>> | null)[];
  private readonly partials: Map<Token, Partial>[];
  /** Tokens whose last entry is the fact (made by a join), by fact id. */
  private readonly factTokens = new Map<number, Set<Token>>();
  /** A token's activations, one per rule whose terminal it reached (rules with the same conditions share the token). */
  private readonly activations = new Map<Token, Activation[]>();
  private waiting = 0;
  /**
   * What each firing saw: rule and fact ids → the versions of the fields its conditions read.
   * The same facts with none of those fields changed do not activate that rule again (the
   * refraction Drools' property reactivity gives), so a rule that sets a field it does not
   * test fires once.
   */
  private readonly firedOn = new Map<string, string>();
  private readonly agenda = new Agenda();
  private readonly charge: (work: Work, units?: number) => void;
  private readonly scope: { token: readonly Entry[]; fact: Fact | null } = { token: [], fact: null };
  /** The rule whose actions are running: with no-loop, they do not activate it again. */
  private firing: CompiledRule | null = null;
  private readonly maxFacts: number;
  private readonly maxTokens: number;
  private tokenCount = 0;
  readonly fired: Firing[] = [];
  private readonly record: boolean;
  readonly emitted: EmittedEvent[] = [];

  constructor(
    readonly network: Network,
    options: SessionOptions = {},
  ) {
    const charge = options.charge;
    this.charge = charge ? (work, units = 1) => charge(work, units) : () => undefined;
    this.maxFacts = options.maxFacts ?? DEFAULT_MAX_FACTS;
    this.maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
    this.record = options.record ?? true;
    this.alphaMemory = network.alphas.map(() => new Set());
    this.tokens = network.betas.map(() => new Set());
    const indexed = (n: BetaNode): boolean => n.kind !== 'root' && n.kind !== 'terminal' && n.step.pattern.index !== null;
    this.rightIndex = network.betas.map((n) => (indexed(n) ? new Map() : null));
    this.leftIndex = network.betas.map((n) => (indexed(n) ? new Map() : null));
    this.partials = network.betas.map(() => new Map());
    const top: Token = { entries: [], node: network.root, parent: null, children: null, dead: 0, alive: true };
    this.tokens[network.root.id]?.add(top);
    for (const child of network.root.children) this.leftActivate(child, top);
  }

  /** A new fact of `type` with `fields` (numbers exact: integers, or `{ $decimal: "0.8" }`); its id. */
  insert(type: string, fields: Readonly<Record<string, unknown>>): number {
    if (!TYPE_NAME.test(type)) throw new RuleRuntimeError(`"${String(type).slice(0, 40)}" is not a fact type name`);
    if (this.facts.size >= this.maxFacts) throw new RuleRuntimeError(`a session holds at most ${this.maxFacts} facts`);
    const fact: Fact = { id: this.nextId++, type, fields: this.checkedFields(type, fields, new Map()), recency: ++this.clock, changed: new Map() };
    this.add(fact);
    return fact.id;
  }

  /**
   * Puts back facts a session held before (saved by a contract): into an empty session, ids
   * ascending as they were, so ids a contract kept still name the same facts.
   */
  restore(facts: readonly { id: number; type: string; fields: Readonly<Record<string, unknown>> }[]): void {
    if (this.facts.size > 0 || this.nextId !== 1) throw new RuleRuntimeError('facts are restored into a new session only');
    let last = 0;
    for (const f of facts) {
      if (!Number.isSafeInteger(f.id) || f.id <= last) throw new RuleRuntimeError('saved facts have ascending positive ids');
      last = f.id;
      this.nextId = f.id;
      this.insert(f.type, f.fields);
    }
    this.nextId = last + 1;
  }

  /** Sets the given fields of fact `id` (the others kept); the fact is matched again as new. */
  modify(id: number, fields: Readonly<Record<string, unknown>>): void {
    const old = this.live(id);
    const merged = this.checkedFields(old.type, fields, new Map(old.fields));
    // A modify that changes nothing is no change: the fact is not matched again (so a rule that
    // sets a field to what it computes fires again at most once, not for ever).
    if (merged.size === old.fields.size && [...merged].every(([k, v]) => old.fields.has(k) && valuesEqual(old.fields.get(k) ?? null, v))) return;
    const recency = ++this.clock;
    const changed = new Map(old.changed);
    for (const [k, v] of merged) if (!old.fields.has(k) || !valuesEqual(old.fields.get(k) ?? null, v)) changed.set(k, recency);
    this.remove(old);
    this.add({ id, type: old.type, fields: merged, recency, changed });
  }

  retract(id: number): void {
    this.remove(this.live(id));
  }

  get(id: number): Fact | undefined {
    return this.facts.get(id);
  }

  /** The facts of `type`, oldest first. */
  query(type: string): Fact[] {
    return [...this.facts.values()].filter((f) => f.type === type).sort((a, b) => a.id - b.id);
  }

  /** Every fact, oldest first. */
  allFacts(): Fact[] {
    return [...this.facts.values()].sort((a, b) => a.id - b.id);
  }

  get factCount(): number {
    return this.facts.size;
  }

  /** Runs activations, best first, until none is left or `limit` have fired; how many fired. */
  fire(limit = Number.POSITIVE_INFINITY): number {
    let count = 0;
    while (count < limit) {
      const next = this.agenda.pop();
      if (!next) break;
      next.alive = false;
      this.waiting -= 1;
      const list = this.activations.get(next.token) as Activation[];
      if (list.length === 1) this.activations.delete(next.token);
      else list.splice(list.indexOf(next), 1);
      this.charge('fire');
      count += 1;
      if (this.record) this.fired.push({ rule: next.rule.name, facts: next.token.entries.flatMap((e) => (isFact(e) ? [e.id] : [])) });
      this.firedOn.set(next.key[0], next.key[1]);
      this.firing = next.rule;
      try {
        this.run(next.rule, next.token.entries);
      } finally {
        this.firing = null;
      }
    }
    return count;
  }

  /** Activations waiting. */
  get pending(): number {
    return this.waiting;
  }

  private live(id: number): Fact {
    const fact = Number.isSafeInteger(id) ? this.facts.get(id) : undefined;
    if (!fact) throw new RuleRuntimeError(`no fact ${String(id).slice(0, 20)} in this session`);
    return fact;
  }

  private checkedFields(type: string, fields: Readonly<Record<string, unknown>>, into: Map<string, Value>): Map<string, Value> {
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new RuleRuntimeError(`${type}: the fields are an object`);
    const declared = this.network.file.declarations.get(type);
    const names = Object.keys(fields);
    if (names.length > MAX_FIELDS) throw new RuleRuntimeError(`${type}: more than ${MAX_FIELDS} fields`);
    for (const name of names) {
      if (!TYPE_NAME.test(name)) throw new RuleRuntimeError(`${type}: "${name.slice(0, 40)}" is not a field name`);
      const kind = declared?.get(name);
      const value = valueFrom(fields[name], `${type}.${name}`, kind);
      if (declared && !kind) throw new RuleRuntimeError(`${type} has no field "${name}"`);
      if (kind && value !== null && (kind === 'number' ? !(value instanceof Decimal) : kind === 'string' ? typeof value !== 'string' : typeof value !== 'boolean')) throw new RuleRuntimeError(`${type}.${name} holds a ${kind}`);
      into.set(name, value);
    }
    return into;
  }

  private add(fact: Fact): void {
    this.facts.set(fact.id, fact);
    for (const alpha of this.network.alphasByType.get(fact.type) ?? []) {
      if (!this.passesAlpha(alpha, fact)) continue;
      this.alphaMemory[alpha.id]?.add(fact);
      // Deepest first: a node's descendants must not see the fact twice (once from here, once through it).
      for (let i = alpha.successors.length - 1; i >= 0; i--) this.rightActivate(alpha.successors[i] as BetaNode, fact);
    }
  }

  private remove(fact: Fact): void {
    this.facts.delete(fact.id);
    for (const alpha of this.network.alphasByType.get(fact.type) ?? []) {
      if (!this.alphaMemory[alpha.id]?.delete(fact)) continue;
      for (const node of alpha.successors) this.rightRetract(node, fact);
    }
    for (const token of this.factTokens.get(fact.id) ?? []) this.removeToken(token);
    this.factTokens.delete(fact.id);
  }

  private passesAlpha(alpha: AlphaNode, fact: Fact): boolean {
    for (let i = 0; i < alpha.tests.length; i++) {
      this.charge('alphaTest', alpha.weights[i]);
      if (!(alpha.tests[i] as (f: Fact) => boolean)(fact)) return false;
    }
    return true;
  }

  private joins(node: BetaNode, token: Token, fact: Fact): boolean {
    if (node.kind === 'root' || node.kind === 'terminal') return false;
    // One scope for every test: tests run synchronously and keep no reference to it.
    const scope = this.scope;
    scope.token = token.entries;
    scope.fact = fact;
    const { joins, joinWeights } = node.step.pattern;
    // Meeting a candidate is work even with no test to run (a not or exists over every fact).
    if (joins.length === 0) this.charge('joinTest', 1);
    for (let i = 0; i < joins.length; i++) {
      this.charge('joinTest', joinWeights[i]);
      if (!(joins[i] as (s: Scope) => boolean)(scope)) return false;
    }
    return true;
  }

  /** The facts of the node's alpha memory that may join `token` (its index bucket, or all). */
  private candidates(node: Extract<BetaNode, { alpha: AlphaNode }>, token: Token): Iterable<Fact> {
    const index = node.step.pattern.index;
    if (!index) return this.alphaMemory[node.alpha.id] ?? [];
    return this.rightIndex[node.id]?.get(index.tokenKey(token.entries)) ?? [];
  }

  /** The parent tokens that may join `fact`. */
  private parents(node: Extract<BetaNode, { alpha: AlphaNode }>, fact: Fact): Iterable<Token> {
    const index = node.step.pattern.index;
    if (!index) return this.tokens[node.parent.id] ?? [];
    return this.leftIndex[node.id]?.get(index.factKey(fact)) ?? [];
  }

  private leftActivate(node: BetaNode, token: Token): void {
    if (node.kind === 'root') return;
    if (node.kind === 'terminal') return this.activate(node.rule, token);
    const index = node.step.pattern.index;
    if (index) {
      const key = index.tokenKey(token.entries);
      const bucket = this.leftIndex[node.id] as Map<string, Set<Token>>;
      bucket.set(key, (bucket.get(key) ?? new Set()).add(token));
    }
    if (node.kind === 'join') {
      // Matching never changes an alpha memory (only actions do, and none runs here): no copy needed.
      for (const fact of this.candidates(node, token)) if (this.joins(node, token, fact)) this.makeToken(node, token, fact);
      return;
    }
    const partial: Partial = { matched: new Set(), child: null };
    for (const fact of this.candidates(node, token)) if (this.joins(node, token, fact)) this.match(partial, fact);
    this.partials[node.id]?.set(token, partial);
    if (node.kind === 'accumulate') this.refreshAccumulate(node, token, partial);
    else if ((node.kind === 'not') === (partial.matched.size === 0)) partial.child = this.makeToken(node, token, null);
  }

  private rightActivate(node: BetaNode, fact: Fact): void {
    if (node.kind === 'root' || node.kind === 'terminal') return;
    const index = node.step.pattern.index;
    if (index) {
      const key = index.factKey(fact);
      const bucket = this.rightIndex[node.id] as Map<string, Set<Fact>>;
      bucket.set(key, (bucket.get(key) ?? new Set()).add(fact));
    }
    for (const token of [...this.parents(node, fact)]) {
      if (!token.alive || !this.joins(node, token, fact)) continue;
      if (node.kind === 'join') {
        this.makeToken(node, token, fact);
        continue;
      }
      const partial = this.partials[node.id]?.get(token);
      if (!partial) continue;
      this.match(partial, fact);
      if (node.kind === 'accumulate') this.refreshAccumulate(node, token, partial);
      else if (partial.matched.size === 1) {
        if (node.kind === 'not' && partial.child) {
          this.removeToken(partial.child);
          partial.child = null;
        } else if (node.kind === 'exists') partial.child = this.makeToken(node, token, null);
      }
    }
  }

  private rightRetract(node: BetaNode, fact: Fact): void {
    if (node.kind === 'root' || node.kind === 'terminal') return;
    const index = node.step.pattern.index;
    if (index) this.rightIndex[node.id]?.get(index.factKey(fact))?.delete(fact);
    if (node.kind === 'join') return; // its tokens with the fact go with factTokens
    // Only the parent tokens the fact could have matched (its index bucket), each visit paid.
    for (const token of [...this.parents(node, fact)]) {
      this.charge('joinTest', 1);
      const partial = this.partials[node.id]?.get(token);
      if (!partial || !partial.matched.delete(fact)) continue;
      this.tokenCount -= 1;
      if (node.kind === 'accumulate') this.refreshAccumulate(node, token, partial);
      else if (partial.matched.size === 0) {
        if (node.kind === 'not') partial.child = this.makeToken(node, token, null);
        else if (partial.child) {
          this.removeToken(partial.child);
          partial.child = null;
        }
      }
    }
  }

  /** A fact matched by a not, exists or accumulate node's partial: held like a token, and counted as one. */
  private match(partial: Partial, fact: Fact): void {
    if (partial.matched.has(fact)) return;
    if (++this.tokenCount > this.maxTokens) throw new RuleRuntimeError(`the rules made more than ${this.maxTokens} partial matches at once`);
    partial.matched.add(fact);
  }

  private refreshAccumulate(node: Extract<BetaNode, { kind: 'accumulate' }>, token: Token, partial: Partial): void {
    if (partial.child) {
      this.removeToken(partial.child);
      partial.child = null;
    }
    const results = new Map<string, Value>();
    for (const r of node.step.results) {
      if (r.fn === 'count') {
        results.set(r.name, Decimal.int(partial.matched.size));
        continue;
      }
      let acc: Decimal | null = r.fn === 'sum' ? Decimal.int(0) : null;
      for (const fact of [...partial.matched].sort((a, b) => a.id - b.id)) {
        this.charge('fold');
        const v = safeValue(() => r.arg?.({ token: token.entries, fact }) ?? null);
        if (!(v instanceof Decimal)) continue;
        try {
          acc = acc === null ? v : r.fn === 'sum' ? acc.add(v) : r.fn === 'min' ? (v.compare(acc) < 0 ? v : acc) : v.compare(acc) > 0 ? v : acc;
        } catch (err) {
          if (err instanceof DecimalError) throw new RuleRuntimeError(`${r.fn}: ${err.message}`);
          throw err;
        }
      }
      results.set(r.name, acc);
    }
    const entries = [...token.entries, results];
    for (let i = 0; i < node.step.tests.length; i++) {
      this.charge('joinTest', node.step.testWeights[i]);
      if (!(node.step.tests[i] as (s: Scope) => boolean)({ token: entries, fact: null })) return;
    }
    partial.child = this.makeToken(node, token, results);
  }

  private makeToken(node: BetaNode, parent: Token, entry: Entry): Token {
    this.charge('token');
    if (++this.tokenCount > this.maxTokens) throw new RuleRuntimeError(`the rules made more than ${this.maxTokens} partial matches at once`);
    const entries = parent.entries.slice();
    entries.push(entry);
    const token: Token = { entries, node, parent, children: null, dead: 0, alive: true };
    (parent.children ??= []).push(token);
    this.tokens[node.id]?.add(token);
    if (node.kind === 'join' && isFact(entry)) {
      const list = this.factTokens.get(entry.id) ?? new Set<Token>();
      list.add(token);
      this.factTokens.set(entry.id, list);
    }
    for (const child of node.children) this.leftActivate(child, token);
    return token;
  }

  private removeToken(token: Token): void {
    if (!token.alive) return;
    token.alive = false;
    this.tokenCount -= 1;
    const children = token.children;
    token.children = null;
    if (children) for (const child of children) this.removeToken(child);
    this.tokens[token.node.id]?.delete(token);
    const parent = token.parent;
    // Keep a parent's list short: drop the dead once they are the majority (amortised: each
    // compaction removes at least as many entries as it visits).
    if (parent?.children) {
      parent.dead += 1;
      if (parent.children.length > 8 && parent.dead * 2 > parent.children.length) {
        parent.children = parent.children.filter((t) => t.alive);
        parent.dead = 0;
      }
    }
    const last = token.entries[token.entries.length - 1];
    if (token.node.kind === 'join' && isFact(last)) this.factTokens.get(last.id)?.delete(token);
    const activations = this.activations.get(token);
    if (activations) {
      this.activations.delete(token);
      this.waiting -= activations.length;
      for (const activation of activations) {
        activation.alive = false;
        this.agenda.dropped();
      }
    }
    for (const child of token.node.children) {
      if (child.kind === 'root' || child.kind === 'terminal') continue;
      const partial = this.partials[child.id]?.get(token);
      if (partial) {
        this.tokenCount -= partial.matched.size;
        this.partials[child.id]?.delete(token);
      }
      const index = child.step.pattern.index;
      if (index) this.leftIndex[child.id]?.get(index.tokenKey(token.entries))?.delete(token);
    }
  }

  /** The rule and the token's facts, and the versions of the fields the rule's conditions read of them. */
  private firingKey(rule: CompiledRule, entries: readonly Entry[]): [string, string] {
    // Two fixed-size digests (FNV-1a, two 32-bit lanes): what is kept per firing stays small
    // however many facts and fields a rule has; equal inputs give equal keys on every node.
    const ids = new Digest().add(rule.order);
    const versions = new Digest();
    entries.forEach((e, slot) => {
      if (!isFact(e)) return;
      ids.add(e.id);
      for (const field of rule.watched[slot] ?? []) versions.add(e.changed.get(field) ?? 0);
    });
    return [ids.text(), versions.text()];
  }

  private activate(rule: CompiledRule, token: Token): void {
    if (rule.noLoop && this.firing?.name === rule.name) return;
    const key = this.firingKey(rule, token.entries);
    if (this.firedOn.get(key[0]) === key[1]) return;
    const activation: Activation = { rule, token, seq: this.seq++, recency: null, alive: true, key };
    const list = this.activations.get(token);
    if (list) list.push(activation);
    else this.activations.set(token, [activation]);
    this.waiting += 1;
    this.agenda.push(activation);
  }

  private run(rule: CompiledRule, entries: readonly Entry[]): void {
    const scope: Scope = { token: entries, fact: null };
    for (const action of rule.actions) {
      this.charge('action');
      try {
        this.perform(action, scope, rule);
      } catch (err) {
        if (err instanceof RuleRuntimeError) throw new RuleRuntimeError(`${this.network.file.name}:${action.pos.line}:${action.pos.col}: rule "${rule.name}": ${err.message}`);
        throw err;
      }
    }
  }

  private perform(action: CompiledAction, scope: Scope, rule: CompiledRule): void {
    const values = (list: { field: string; value: (s: Scope) => Value }[]): Record<string, Value> => {
      const out = list.map((a): [string, Value] => [a.field, a.value(scope)]);
      // What the action makes is paid by its size, as a contract's insert is.
      this.charge('valueBytes', out.reduce((n, [field, v]) => n + field.length + valueSize(v), 0));
      return Object.fromEntries(out);
    };
    switch (action.kind) {
      case 'modify': {
        const fact = scope.token[action.slot] as Fact;
        if (this.facts.get(fact.id) !== fact) throw new RuleRuntimeError(`fact ${fact.id} changed or left before this action`);
        this.modify(fact.id, values(action.assignments));
        return;
      }
      case 'insert':
        this.insert(action.type, values(action.assignments));
        return;
      case 'retract': {
        const fact = scope.token[action.slot] as Fact;
        if (this.facts.get(fact.id) === fact) this.retract(fact.id);
        return;
      }
      case 'emit':
        this.emitted.push({ rule: rule.name, name: action.name, value: action.value(scope) });
    }
  }
}

function isFact(e: Entry | undefined): e is Fact {
  return typeof e === 'object' && e !== null && 'recency' in e;
}

/** A value an index compares with: null when it cannot be worked out (the join then finds what null finds). */
function safeValue(run: () => Value): Value {
  try {
    return run();
  } catch (err) {
    if (err instanceof RuleRuntimeError) return null;
    throw err;
  }
}

/** FNV-1a over numbers, in two 32-bit lanes with different offsets. */
class Digest {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x5bd1e995;

  add(n: number): this {
    // A number as its decimal text's characters, then a separator.
    const text = `${n};`;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      this.a = Math.imul(this.a ^ c, 0x01000193) >>> 0;
      this.b = Math.imul(this.b ^ c, 0x01000193) >>> 0;
    }
    return this;
  }

  text(): string {
    return `${this.a.toString(16)}.${this.b.toString(16)}`;
  }
}
