/**
 * The rules engine, construct by construct (spec/rules.md): the design's pricing example; joins
 * through bindings (indexed and not); not, exists, and/or; accumulate; insert, modify, retract,
 * emit; the agenda's order (salience, recency, rule order); incremental updates checked against
 * matching from scratch on generated facts; node sharing; and type errors at compile time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ACTIONS, MAX_RULES, MAX_STEPS } from '../../src/rules/compile.js';
import { compileRules, openSession } from '../../src/rules/engine.js';
import { RuleTypeError } from '../../src/rules/lexer.js';
import { RuleRuntimeError, type Value } from '../../src/rules/values.js';
import type { RuleSession } from '../../src/rules/session.js';
import { PRICING } from '../support/rule-files.js';

const text = (v: Value | undefined): string => (v === null || v === undefined ? 'null' : v.toString());
const field = (s: RuleSession, id: number, name: string): string => text(s.get(id)?.fields.get(name));

function session(source: string): RuleSession {
  return openSession(compileRules('t.drl', source));
}

describe('the rules engine', () => {
  it("runs the design's pricing example: 741 gets 80, 740 keeps no price", () => {
    const s = session(PRICING);
    const m = s.insert('Message', { status: 'GET_PRICE', fico_score: 741, listed_price: 100 });
    const low = s.insert('Message', { status: 'GET_PRICE', fico_score: 740, listed_price: 100 });
    const other = s.insert('Message', { status: 'OTHER', fico_score: 800, listed_price: 100 });
    expect(s.fire()).toBe(1); // the rule sets price, which its conditions do not read: it does not match anew
    expect(field(s, m, 'price')).toBe('80');
    expect(field(s, low, 'price')).toBe('null');
    expect(field(s, other, 'price')).toBe('null');
    expect(s.fired.map((f) => f.rule)).toEqual(['Pricing']);
    // A change to a field it reads does: a new score re-prices.
    s.modify(m, { fico_score: 900, listed_price: 200 });
    expect(s.fire()).toBe(1);
    expect(field(s, m, 'price')).toBe('160');
  });

  it('joins facts through bound variables, with and without an index', () => {
    const s = session(`
rule "Owed"
  when
    c : Customer(id : id)
    o : Order(customer == id, total > 100)
  then
    insert Owed { customer = id, order = o.id }
end
rule "Cheaper"
  when
    a : Item(p : price)
    b : Item(price < p)
  then
    emit("cheaper", concat(b.name, "<", a.name))
end`);
    s.insert('Customer', { id: 1 });
    s.insert('Customer', { id: 2 });
    s.insert('Order', { id: 10, customer: 1, total: 150 });
    s.insert('Order', { id: 11, customer: 1, total: 50 });
    s.insert('Order', { id: 12, customer: 2, total: { $decimal: '100.01' } });
    s.insert('Order', { id: 13, customer: 3, total: 500 });
    s.insert('Item', { name: 'a', price: 3 });
    s.insert('Item', { name: 'b', price: 1 });
    s.insert('Item', { name: 'c', price: 2 });
    s.fire();
    expect(s.query('Owed').map((f) => `${text(f.fields.get('customer'))}:${text(f.fields.get('order'))}`).sort()).toEqual(['1:10', '2:12']);
    expect(s.emitted.map((e) => e.value).sort()).toEqual(['b<a', 'b<c', 'c<a']);
  });

  it('an equality whose other side reads a field of its own pattern is a test, not an index, and compiles', () => {
    // The index builder once compiled that side outside the pattern and refused the file.
    const s = session(`
rule "Due" when o : Order($x : extra) i : Item(price == limit + $x) then emit("due", i.name) end`);
    s.insert('Order', { extra: 2 });
    s.insert('Item', { name: 'yes', price: 5, limit: 3 });
    s.insert('Item', { name: 'no', price: 5, limit: 4 });
    s.fire();
    expect(s.emitted.map((e) => e.value)).toEqual(['yes']);
  });

  it('not, exists and or, kept right as facts come and go', () => {
    const s = session(`
rule "Lonely" when p : Person(n : name) not Friend(of == n) then emit("lonely", n) end
rule "Known" when p : Person(n : name) exists Friend(of == n) then emit("known", n) end
rule "VIP" when p : Person(n : name) and (Gold(of == n) or Platinum(of == n)) then emit("vip", n) end`);
    const ann = s.insert('Person', { name: 'ann' });
    s.insert('Person', { name: 'bob' });
    const f1 = s.insert('Friend', { of: 'ann' });
    s.insert('Friend', { of: 'ann' });
    s.insert('Gold', { of: 'bob' });
    s.insert('Platinum', { of: 'bob' });
    expect(s.pending).toBe(4); // lonely bob, known ann (once for two friends), vip bob twice (gold, platinum)
    s.fire();
    expect(s.emitted.map((e) => `${e.name}:${text(e.value)}`).sort()).toEqual(['known:ann', 'lonely:bob', 'vip:bob', 'vip:bob']);
    s.retract(f1);
    expect(s.pending).toBe(0); // ann still has a friend: nothing changes
    for (const f of s.query('Friend')) s.retract(f.id);
    expect(s.pending).toBe(1); // now ann is lonely
    s.retract(ann);
    expect(s.pending).toBe(0);
  });

  it('accumulates count, sum, min and max, and follows inserts, modifies and retracts', () => {
    const s = session(`
rule "Totals"
  when
    c : Customer(id : id)
    accumulate(Order(customer == id, t : total); n : count(), sum : sum(t), lo : min(t), hi : max(t); n >= 2)
  then
    emit("totals", concat(id, ":", n, ":", sum, ":", lo, ":", hi))
end`);
    s.insert('Customer', { id: 7 });
    const a = s.insert('Order', { customer: 7, total: { $decimal: '10.5' } });
    expect(s.pending).toBe(0);
    s.insert('Order', { customer: 7, total: 4 });
    s.insert('Order', { customer: 8, total: 1000 });
    expect(s.pending).toBe(1);
    s.modify(a, { total: { $decimal: '0.25' } });
    s.fire();
    expect(s.emitted.map((e) => e.value)).toEqual(['7:2:4.25:0.25:4']);
    s.retract(a);
    expect(s.pending).toBe(0);
  });

  it('fires by salience, then the newest facts, then rule order; fire(limit) stops early', () => {
    const s = session(`
rule "low" salience -1 when x : X() then emit("e", concat("low", x.n)) end
rule "high" salience 5 when x : X() then emit("e", concat("high", x.n)) end
rule "plain" when x : X() then emit("e", concat("plain", x.n)) end
rule "plain2" when x : X() then emit("e", concat("plain2", x.n)) end`);
    s.insert('X', { n: 1 });
    s.insert('X', { n: 2 });
    expect(s.fire(3)).toBe(3);
    expect(s.fire()).toBe(5);
    expect(s.emitted.map((e) => e.value)).toEqual(['high2', 'high1', 'plain2', 'plain22', 'plain1', 'plain21', 'low2', 'low1']);
  });

  it('inserts, modifies and retracts from actions, forward chaining until nothing matches', () => {
    const s = session(`
rule "count down" when c : Counter(n > 0) then modify(c) { n = c.n - 1 } insert Tick { at = c.n } end
rule "done" when c : Counter(n == 0) then retract(c) emit("done", 0) end`);
    s.insert('Counter', { n: 5 });
    s.fire();
    expect(s.query('Tick').map((t) => text(t.fields.get('at')))).toEqual(['5', '4', '3', '2', '1']);
    expect(s.query('Counter')).toEqual([]);
    expect(s.emitted.map((e) => e.name)).toEqual(['done']);
  });

  it('matches incrementally what matching from scratch and a brute-force match find (generated facts, inserts, modifies, retracts)', () => {
    const network = compileRules('t.drl', `
rule "pair" when a : A($k : k, v > 2) b : B(k == $k, w != a.v) then emit("pair", concat(a.id, "-", b.id)) end
rule "pair again" when a : A($k : k, v > 2) b : B(k == $k, w != a.v) then emit("again", concat(a.id, "-", b.id)) end
rule "alone" when a : A($k : k) not B(k == $k) then emit("alone", a.id) end
rule "some" when a : A($k : k) exists B(k == $k, w > 5) then emit("some", a.id) end
rule "two" when a : A($k : k) a2 : A(k == $k) then emit("two", concat(a.id, "-", a2.id)) end
rule "cross" when a : A(v > 3) b : A(v > 3) then emit("cross", concat(a.id, "-", b.id)) end
rule "sum" when a : A($k : k) accumulate(B(k == $k, $w : w); n : count(), s : sum($w)) then emit("sum", concat(a.id, ":", n, ":", s)) end`);
    const op = fc.oneof(
      fc.record({ op: fc.constant('insertA' as const), k: fc.nat(3), v: fc.nat(6) }),
      fc.record({ op: fc.constant('insertB' as const), k: fc.nat(3), w: fc.nat(8) }),
      fc.record({ op: fc.constant('modify' as const), pick: fc.nat(), k: fc.nat(3), v: fc.nat(8) }),
      fc.record({ op: fc.constant('retract' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const live = openSession(network);
        let nextId = 1;
        for (const o of ops) {
          const facts = [...live.query('A'), ...live.query('B')];
          if (o.op === 'insertA') live.insert('A', { id: nextId++, k: o.k, v: o.v });
          else if (o.op === 'insertB') live.insert('B', { id: nextId++, k: o.k, w: o.w });
          else if (facts.length > 0) {
            const f = facts[o.pick % facts.length];
            if (!f) continue;
            if (o.op === 'retract') live.retract(f.id);
            else live.modify(f.id, f.type === 'A' ? { k: o.k, v: o.v } : { k: o.k, w: o.v });
          }
        }
        // The same final facts inserted into a fresh session: the same activations.
        const fresh = openSession(network);
        for (const f of [...live.query('A'), ...live.query('B')]) fresh.insert(f.type, Object.fromEntries(f.fields));
        live.fire();
        fresh.fire();
        const emitted = (s: RuleSession): string[] => s.emitted.map((e) => `${e.name}:${text(e.value)}`).sort();
        expect(emitted(live)).toEqual(emitted(fresh));
        // And both what a brute-force match of the final facts finds, rule by rule.
        const num = (f: { fields: ReadonlyMap<string, Value> }, k: string): number => Number(text(f.fields.get(k)));
        const as = live.query('A');
        const bs = live.query('B');
        const want: string[] = [];
        for (const a of as) {
          const same = bs.filter((b) => num(b, 'k') === num(a, 'k'));
          if (num(a, 'v') > 2) for (const b of same) if (num(b, 'w') !== num(a, 'v')) want.push(`pair:${num(a, 'id')}-${num(b, 'id')}`, `again:${num(a, 'id')}-${num(b, 'id')}`);
          if (same.length === 0) want.push(`alone:${num(a, 'id')}`);
          if (same.some((b) => num(b, 'w') > 5)) want.push(`some:${num(a, 'id')}`);
          for (const a2 of as) if (num(a2, 'k') === num(a, 'k')) want.push(`two:${num(a, 'id')}-${num(a2, 'id')}`);
          if (num(a, 'v') > 3) for (const b of as) if (num(b, 'v') > 3) want.push(`cross:${num(a, 'id')}-${num(b, 'id')}`);
          want.push(`sum:${num(a, 'id')}:${same.length}:${same.reduce((t, b) => t + num(b, 'w'), 0)}`);
        }
        expect(emitted(live)).toEqual(want.sort());
      }),
      { numRuns: 300 },
    );
  });

  it('rules with the same conditions share a token and each fire on it; a change that ends the match takes every one of their activations', () => {
    const s = session(`
rule "first" when x : X(done == false) then modify(x) { done = true } emit("first", x.n) end
rule "second" when x : X(done == false) then modify(x) { done = true } emit("second", x.n) end
rule "watch" when x : X() then emit("watch", x.n) end
rule "also" when x : X() then emit("also", x.n) end`);
    s.insert('X', { n: 1, done: false });
    s.insert('X', { n: 2, done: false });
    expect(s.pending).toBe(8);
    const fired = s.fire();
    // "first" ends each X's match with "second"; "watch" and "also" read no field that changed, so they fire once an X.
    expect(s.fired.filter((f) => f.rule === 'second')).toEqual([]);
    expect(s.emitted.filter((e) => e.name === 'first').map((e) => text(e.value)).sort()).toEqual(['1', '2']);
    expect(s.emitted.filter((e) => e.name === 'watch')).toHaveLength(2);
    expect(s.emitted.filter((e) => e.name === 'also')).toHaveLength(2);
    expect(s.pending).toBe(0);
    expect(fired).toBe(6);
  });

  it('shares nodes between rules that begin alike, and compiles a file once', () => {
    const source = `
rule "a" when x : X(k > 1) y : Y(k == x.k) then emit("a", 1) end
rule "b" when x : X(k > 1) y : Y(k == x.k) z : Z() then emit("b", 1) end
rule "c" when x : X(k > 1) then emit("c", 1) end`;
    const network = compileRules('share.drl', source);
    expect(network.shared).toBe(3);
    expect(network.alphas).toHaveLength(3);
    expect(compileRules('share.drl', source)).toBe(network);
  });

  it('refuses names and kinds that do not fit at compile time, with file, line and column', () => {
    const cases: [string, RegExp][] = [
      ['rule "r" when m : M() then modify(q) { a = 1 } end', /1:28: "q" is not a fact bound/],
      ['declare M\n  a : Integer\nend\nrule "r" when m : M(b > 1) then end', /4:21: M has no field "b"/],
      ['declare M\n  a : Integer\nend\nrule "r" when m : M(a == "x") then end', /4:23: a number compared with a string is never equal/],
      ['rule "r" when m : M(a > 1 + "x") then end', /1:29: "\+" takes a number, not a string/],
      ['rule "r" when m : M() then emit("e", frob(1)) end', /no helper "frob"/],
      ['rule "r" when m : M() then emit("e", round(1)) end', /round takes 2 arguments/],
      ['rule "r" when m : M() m : N() then end', /"m" is bound twice/],
      ['rule "r" when m : M() then end\nrule "r" when m : M() then end', /2:1: a second rule named "r"/],
      ['rule "r" when not n : N() then end', /cannot be bound/],
      ['rule "r" when m : M(x : a) then emit("e", y) end', /"y" is not a binding of this rule/],
      ['rule "r" when m : M() then emit("e", m) end', /"m" is a fact; read one of its fields/],
      ['declare M\n  a : Integer\nend\nrule "r" when m : M() then modify(m) { a = "x" } end', /M.a holds a number, not a string/],
    ];
    for (const [source, reason] of cases) {
      let error: unknown;
      try {
        compileRules('t.drl', source);
      } catch (err) {
        error = err;
      }
      expect(error, source).toBeInstanceOf(RuleTypeError);
      expect((error as Error).message, source).toMatch(reason);
    }
  });

  it('refuses bad facts and failing actions with a runtime error naming the rule and place', () => {
    const s = session('declare M\n  a : Integer\nend\nrule "div" when m : M() then emit("e", 1 / m.a) end');
    expect(() => s.insert('M', { a: 0.5 })).toThrow(/not an exact number/);
    expect(() => s.insert('M', { b: 1 })).toThrow(/M has no field "b"/);
    expect(() => s.insert('M', { a: 'x' })).toThrow(/M\.a: "x" is not a number/);
    expect(() => s.insert('M', { a: true })).toThrow(/M\.a holds a number/);
    expect(() => s.insert('1x', {})).toThrow(/not a fact type name/);
    s.insert('M', { a: 0 });
    expect(() => s.fire()).toThrow(RuleRuntimeError);
    try {
      session('declare M\n  a : Integer\nend\nrule "div" when m : M() then emit("e", 1 / m.a) end').insert('M', { a: 0 });
    } catch {
      // not reached: inserting is fine, firing fails
    }
    const again = session('declare M\n  a : Integer\nend\nrule "div" when m : M() then emit("e", 1 / m.a) end');
    again.insert('M', { a: 0 });
    expect(() => again.fire()).toThrow(/^t\.drl:4:30: rule "div": division by zero$/);
  });

  it('no-loop keeps a rule from activating itself through its own modify; without it, fire(limit) stops the loop', () => {
    const source = (attribute: string): string => `rule "raise" ${attribute} when a : Account(balance < 1000) then modify(a) { balance = a.balance + 1 } end`;
    const once = session(source('no-loop'));
    const id = once.insert('Account', { balance: 10 });
    expect(once.fire()).toBe(1);
    expect(field(once, id, 'balance')).toBe('11');
    const looping = session(source(''));
    const other = looping.insert('Account', { balance: 10 });
    expect(looping.fire(50)).toBe(50);
    expect(looping.pending).toBe(1);
    expect(field(looping, other, 'balance')).toBe('60');
  });

  it('refuses rules too big to run in bounded stack and time: conditions, actions, rules, variants', () => {
    const refusal = (source: string): string => {
      try {
        compileRules('big.drl', source);
      } catch (err) {
        expect(err).toBeInstanceOf(RuleTypeError);
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refusal(`rule "r" when ${'A() '.repeat(MAX_STEPS + 1)}then end`)).toMatch(new RegExp(`more than ${MAX_STEPS} conditions`));
    expect(refusal(`rule "r" when ${'A() '.repeat(MAX_STEPS)}then end`)).toBe('accepted');
    expect(refusal(`rule "r" when a : A() then ${'emit("e", 1) '.repeat(MAX_ACTIONS + 1)}end`)).toMatch(/actions; at most/);
    expect(refusal(`rule "r" when ${'(A() or B()) '.repeat(7)}then end`)).toMatch(/more than 64 variants/);
    expect(refusal(Array.from({ length: MAX_RULES + 1 }, (_, i) => `rule "r${i}" when A() then end`).join('\n'))).toMatch(/more than 2000 rules/);
  });

  it('refuses what an attacker would use to take the node\'s stack, memory or unpaid time', () => {
    const compileError = (source: string): string => {
      try {
        compileRules('attack.drl', source);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    // A long chain of operators is as deep as it is long: refused where it is written.
    expect(compileError(`rule "r" when M(x == ${Array.from({ length: 5000 }, () => '1').join(' + ')}) then end`)).toMatch(/nested deeper than 64 levels/);
    expect(compileError(`rule "r" when M() then emit("e", ${Array.from({ length: 300 }, () => '(1 + 1)').join(' * ')}) end`)).toMatch(/nested deeper|more than 512 parts/);
    // Variants that each compile big expressions: the file's compile budget stops them.
    const big = Array.from({ length: 60 }, () => '1').join(' + ');
    expect(compileError(`rule "r" when ${'(A(v > 1) or B(v > 1)) '.repeat(6)} M(z == ${big}, y == ${big}, w == ${big}, q == ${big}) then end`)).toMatch(/more than 20000 expression parts/);
    // And a rule whose conditions read too many fields (what each firing's refraction compares).
    expect(compileError(`rule "r" when M(${Array.from({ length: 65 }, (_, i) => `f${i} > 0`).join(', ')}) then end`)).toMatch(/reads more than 64 fields/);
    // A string field longer than 4096 characters, made or given.
    const s = session('rule "grow" when t : T() then insert U { v = concat(t.s, t.s) } end');
    expect(() => s.insert('T', { s: 'x'.repeat(4097) })).toThrow(/longer than 4096/);
    s.insert('T', { s: 'x'.repeat(3000) });
    expect(() => s.fire()).toThrow(/concat would make a string longer than 4096/);
  });

  it('charges every candidate a not meets, even with no test, and counts its matches as partial matches', () => {
    const units: Record<string, number> = {};
    const network = compileRules('not.drl', 'rule "n" when a : A() not B() then emit("e", 1) end');
    const counted = openSession(network, { charge: (work, n) => void (units[work] = (units[work] ?? 0) + n) });
    for (let i = 0; i < 40; i++) counted.insert('A', { i });
    for (let i = 0; i < 40; i++) counted.insert('B', { i });
    expect(units.joinTest).toBeGreaterThanOrEqual(40 * 40);
    const bounded = openSession(network, { maxTokens: 1000 });
    for (let i = 0; i < 40; i++) bounded.insert('A', { i });
    expect(() => {
      for (let i = 0; i < 40; i++) bounded.insert('B', { i });
    }).toThrow(/more than 1000 partial matches/);
  });
});
