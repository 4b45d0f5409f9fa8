/**
 * A decision's guards, compiled and run by the rules engine: each guard is the test of a rule
 * `when Process(<guard>) then emit("take", i)`, so a guard reads the instance's variables as a
 * fact's fields, with the rules' exact numbers, names and kind checks (spec/rules.md). Built
 * from the syntax tree, not from text, so a guard is one expression and nothing else.
 */
import type { Rule } from '../rules/ast.js';
import { compileRuleFile } from '../rules/compile.js';
import { Decimal } from '../rules/decimal.js';
import { RuleFileError } from '../rules/lexer.js';
import { buildNetwork, type Network } from '../rules/network.js';
import { parseExpression } from '../rules/parser.js';
import { ProcessDefinitionError, type ProcessNode } from './model.js';

/** The fact type a guard's names are fields of. */
export const GUARD_FACT = 'Process';

/** A guard as the rules engine reads it: without jBPM's and Camunda's `#{…}` / `${…}` around it. */
export function guardText(raw: string): string {
  const t = raw.trim();
  const wrapped = /^[#$]\{([\s\S]*)\}$/.exec(t);
  return (wrapped ? (wrapped[1] as string) : t).trim();
}

/** The network of `node`'s guards, or null when none of its transitions has one. */
export function compileGuards(file: string, node: ProcessNode): Network | null {
  const pos = { line: 1, col: 1 };
  const rules: { rule: Rule; to: string }[] = [];
  node.transitions.forEach((t, i) => {
    if (t.guard === null) return;
    let expr;
    try {
      expr = parseExpression(file, t.guard);
    } catch (err) {
      return refuse(file, node, t.to, err);
    }
    rules.push({
      to: t.to,
      rule: {
        name: String(i),
        salience: 0,
        noLoop: false,
        when: [{ kind: 'pattern', binding: null, type: GUARD_FACT, constraints: [{ kind: 'test', expr, pos }], pos }],
        then: [{ kind: 'emit', name: 'take', value: { kind: 'number', value: Decimal.int(i), pos }, pos }],
        pos,
      },
    });
  });
  if (rules.length === 0) return null;
  try {
    return buildNetwork(compileRuleFile({ name: file, declarations: [], rules: rules.map((r) => r.rule) }));
  } catch (err) {
    if (!(err instanceof RuleFileError)) throw err;
    // Which guard: each alone (only on this path, so a good file is compiled once).
    for (const { rule, to } of rules) {
      try {
        compileRuleFile({ name: file, declarations: [], rules: [rule] });
      } catch (alone) {
        refuse(file, node, to, alone);
      }
    }
    // Each passes alone; together they pass a file's bounds.
    throw new ProcessDefinitionError(file, node.name, `its guards together: ${err.reason}`);
  }
}

function refuse(file: string, node: ProcessNode, to: string, err: unknown): never {
  if (err instanceof RuleFileError) throw new ProcessDefinitionError(file, node.name, `the guard of the transition to "${to}", column ${err.pos.col}: ${err.reason}`);
  throw err;
}
