/**
 * The rules language's parser (spec/rules.md, "Language"): the design's pricing example and
 * every construct into their trees; malformed files refused with the file, line and column of
 * the token that did not fit; and generated junk (token soup, any text, deep nesting) refused
 * as a RuleSyntaxError, never another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition, Expr } from '../../src/rules/ast.js';
import { MAX_RULE_FILE_BYTES, RuleSyntaxError } from '../../src/rules/lexer.js';
import { MAX_DEPTH, parseRuleFile } from '../../src/rules/parser.js';
import { PRICING } from '../support/rule-files.js';

/** An expression as compact text, to compare trees without their positions. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return e.value.toString();
    case 'string':
      return JSON.stringify(e.value);
    case 'bool':
      return String(e.value);
    case 'null':
      return 'null';
    case 'name':
      return e.name;
    case 'member':
      return `${show(e.object)}.${e.field}`;
    case 'call':
      return `${e.callee}(${e.args.map(show).join(', ')})`;
    case 'unary':
      return `(${e.op}${show(e.operand)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
  }
}

function showCondition(c: Condition): string {
  switch (c.kind) {
    case 'pattern':
      return `${c.binding ? `${c.binding}:` : ''}${c.type}(${c.constraints.map((k) => (k.kind === 'bind' ? `${k.name}:${k.field}` : show(k.expr))).join(', ')})`;
    case 'accumulate':
      return `accumulate(${showCondition(c.source)}; ${c.results.map((r) => `${r.name}:${r.fn}(${r.arg ? show(r.arg) : ''})`).join(', ')}${c.tests.length ? `; ${c.tests.map(show).join(', ')}` : ''})`;
    case 'not':
    case 'exists':
      return `${c.kind} ${showCondition(c.body)}`;
    case 'and':
    case 'or':
      return `[${c.items.map(showCondition).join(` ${c.kind} `)}]`;
  }
}

function refusal(source: string): RuleSyntaxError {
  try {
    parseRuleFile('f.drl', source);
  } catch (err) {
    if (err instanceof RuleSyntaxError) return err;
    throw err;
  }
  throw new Error(`accepted: ${source}`);
}

describe('the rules parser', () => {
  it("reads the design's pricing example, with 0.8 as an exact decimal", () => {
    const file = parseRuleFile('pricing.drl', PRICING);
    expect(file.rules).toHaveLength(1);
    const [rule] = file.rules;
    expect(rule).toMatchObject({ name: 'Pricing', salience: 0, pos: { line: 1, col: 1 } });
    expect(rule?.when.map(showCondition)).toEqual(['m:Message((status == GET_PRICE), (fico_score > 740))']);
    expect(rule?.then).toHaveLength(1);
    const action = rule?.then[0];
    expect(action?.kind).toBe('modify');
    if (action?.kind !== 'modify') return;
    expect(action.target).toBe('m');
    expect(action.assignments.map((a) => `${a.field} = ${show(a.value)}`)).toEqual(['price = (m.listed_price * 0.8)']);
    const factor = action.assignments[0]?.value;
    expect(factor?.kind === 'binary' && factor.right.kind === 'number' ? [factor.right.value.units, factor.right.value.scale] : null).toEqual([8n, 1]);
    expect(action.pos).toEqual({ line: 5, col: 5 });
  });

  it('reads every construct: declare, salience, not, exists, and/or, accumulate, joins, every action, calls, comments, escapes', () => {
    const file = parseRuleFile(
      'all.drl',
      `// a comment
declare Order
  id : Integer
  customer : String
  total : Decimal
  vip : Boolean
end
/* a block
   comment */
rule "Big spender" salience -5
  when
    c : Customer(id : id, tier != "gold")
    not Flag(customer == id)
    exists (Order(customer == id) or Refund(customer == id && amount > 0))
    accumulate(Order(customer == id, amount : total); n : count(), s : sum(amount), lo : min(amount), hi : max(amount); s >= 1000.50, n > 2)
  then
    modify(c) { tier = "gold", note = concat("was ", c.tier) };
    insert(Flag { customer = id, at = -1 })
    insert Audit { text = "a \\"quoted\\" line\\n" }
    retract(c);
    emit("upgraded", round(s / n, 2))
end
rule "Second" salience 10 when A() and (B(x > 1 || !(y == 2)) or C()) then emit("x", 1 + 2 * 3 - 4 % 5) end`,
    );
    expect(file.declarations).toEqual([
      {
        type: 'Order',
        fields: [
          { name: 'id', kind: 'number', pos: { line: 3, col: 3 } },
          { name: 'customer', kind: 'string', pos: { line: 4, col: 3 } },
          { name: 'total', kind: 'number', pos: { line: 5, col: 3 } },
          { name: 'vip', kind: 'bool', pos: { line: 6, col: 3 } },
        ],
        pos: { line: 2, col: 1 },
      },
    ]);
    const [big, second] = file.rules;
    expect(big?.salience).toBe(-5);
    expect(big?.pos).toEqual({ line: 10, col: 1 });
    expect(big?.when.map(showCondition)).toEqual([
      'c:Customer(id:id, (tier != "gold"))',
      'not Flag((customer == id))',
      'exists [Order((customer == id)) or Refund(((customer == id) && (amount > 0)))]',
      'accumulate(Order((customer == id), amount:total); n:count(), s:sum(amount), lo:min(amount), hi:max(amount); (s >= 1000.5), (n > 2))',
    ]);
    expect(big?.then.map((a) => a.kind)).toEqual(['modify', 'insert', 'insert', 'retract', 'emit']);
    const insert = big?.then[2];
    expect(insert?.kind === 'insert' && insert.assignments[0]?.value.kind === 'string' ? insert.assignments[0].value.value : '').toBe('a "quoted" line\n');
    const emit = big?.then[4];
    expect(emit?.kind === 'emit' ? [emit.name, show(emit.value)] : []).toEqual(['upgraded', 'round((s / n), 2)']);
    expect(second?.salience).toBe(10);
    expect(second?.when.map(showCondition)).toEqual(['[A() and [B(((x > 1) || (!(y == 2)))) or C()]]']);
    const sum = second?.then[0];
    expect(sum?.kind === 'emit' ? show(sum.value) : '').toBe('((1 + (2 * 3)) - (4 % 5))');
  });

  it('refuses malformed files, naming the file, line and column and what was expected', () => {
    const cases: [string, string, RegExp][] = [
      ['rule Pricing when then end', '1:6', /the rule's name in quotes/],
      ['rule "a"\nwhen\n  Message(status ==)\nthen end', '3:20', /expected a value/],
      ['rule "a" when Message(a < b < c) then end', '1:29', /comparisons do not chain/],
      ['rule "a" when Message( then end', '1:24', /expected a value/],
      ['rule "a" when M() then modify m { } end', '1:31', /expected "\("/],
      ['rule "a" when M() then frobnicate(m) end', '1:24', /an action \(modify, insert, retract, emit\)/],
      ['rule "a" when M() then emit(x, 1) end', '1:29', /the event's name in quotes/],
      ['rule "a" salience 1.5 when M() then end', '1:19', /an integer salience/],
      ['rule "a" salience 99999999 when M() then end', '1:19', /an integer salience/],
      ['rule "a" when accumulate(M(); s : avg(x)) then end', '1:35', /count, sum, min or max/],
      ['rule "a" when accumulate(M(); s : sum()) then end', '1:35', /sum needs the value/],
      ['rule "a" when M(x == 1e3) then end', '1:22', /"1e" is not a number/],
      ['rule "a" when M(x == "open) then end', '1:22', /a string that never ends/],
      ['rule "a" when M(x == "\\q") then end', '1:23', /not an escape/],
      ['rule "a" when M(x == 1) then end /* open', '1:34', /a comment that never ends/],
      ['rule "a" when M(x # 1) then end', '1:19', /"#" is not part of the language/],
      ['rule "a" when M() then', '1:23', /expected an action .* found the end of the file/],
      ['rule "a" when M()', '1:18', /a condition or "then"/],
      ['declare T\n  f : Float\nend', '2:7', /a field kind \(Number, Integer, Decimal, String, Boolean\)/],
      ['query "q" end', '1:1', /expected "rule" or "declare"/],
      ['rule "a" when when() then end', '1:15', /expected a fact type/],
      ['rule "a" when M(x == 1,) then end', '1:24', /expected a value/],
    ];
    for (const [source, at, reason] of cases) {
      const err = refusal(source);
      expect(`${err.pos.line}:${err.pos.col}`, source).toBe(at);
      expect(err.message, source).toMatch(reason);
      expect(err.message.startsWith(`f.drl:${at}: `), source).toBe(true);
    }
  });

  it('refuses nesting past the bound and files past the size limit without exhausting the stack', () => {
    for (const source of [
      `rule "a" when M(x == ${'('.repeat(10_000)}1${')'.repeat(10_000)}) then end`,
      `rule "a" when ${'not '.repeat(10_000)}M() then end`,
      `rule "a" when ${'('.repeat(10_000)}M()${')'.repeat(10_000)} then end`,
      `rule "a" when M(x == ${'-'.repeat(10_000)}1) then end`,
    ])
      expect(refusal(source).message).toMatch(new RegExp(`nested deeper than ${MAX_DEPTH} levels`));
    const nested = `rule "a" when M(x == ${'('.repeat(MAX_DEPTH - 1)}1${')'.repeat(MAX_DEPTH - 1)}) then end`;
    expect(parseRuleFile('f.drl', nested).rules).toHaveLength(1);
    expect(refusal(' '.repeat(MAX_RULE_FILE_BYTES + 1)).message).toMatch(/larger than/);
  });

  it('refuses any junk with a RuleSyntaxError and nothing else (token soup and arbitrary text)', () => {
    const vocabulary = ['rule', '"r"', 'salience', '5', '-', 'when', 'then', 'end', 'not', 'exists', 'and', 'or', 'accumulate', 'count', 'sum', 'modify', 'insert', 'retract', 'emit', 'declare', 'Integer', 'M', 'm', 'x', ':', '(', ')', '{', '}', ',', ';', '.', '==', '<', '&&', '||', '!', '+', '*', '/', '=', '0.8', 'true', 'null', '"s"'];
    const soup = fc.array(fc.constantFrom(...vocabulary), { maxLength: 60 }).map((t) => t.join(' '));
    const check = (source: string): void => {
      try {
        parseRuleFile('f.drl', source);
      } catch (err) {
        if (!(err instanceof RuleSyntaxError)) throw err;
        expect(err.pos.line).toBeGreaterThanOrEqual(1);
        expect(err.pos.col).toBeGreaterThanOrEqual(1);
      }
    };
    fc.assert(fc.property(soup, check), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ maxLength: 200 }), check), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check), { numRuns: 500 });
  });
});
