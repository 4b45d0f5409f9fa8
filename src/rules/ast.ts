/** The rules language's syntax tree (spec/rules.md, "Language"): what the parser builds and the compiler reads. */
import type { Decimal } from './decimal.js';

/** Where a node starts in its file: 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

export type BinaryOperator = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

export type Expr =
  | { kind: 'number'; value: Decimal; pos: Position }
  | { kind: 'string'; value: string; pos: Position }
  | { kind: 'bool'; value: boolean; pos: Position }
  | { kind: 'null'; pos: Position }
  /** A bare name: a binding, a field of the pattern it stands in, or an upper-case symbol. */
  | { kind: 'name'; name: string; pos: Position }
  | { kind: 'member'; object: Expr; field: string; pos: Position }
  | { kind: 'call'; callee: string; args: Expr[]; pos: Position }
  | { kind: 'unary'; op: '!' | '-'; operand: Expr; pos: Position }
  | { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr; pos: Position };

/** One item of a pattern's parentheses: `name : field` binds a field; anything else must hold. */
export type Constraint = { kind: 'bind'; name: string; field: string; pos: Position } | { kind: 'test'; expr: Expr; pos: Position };

export interface Pattern {
  kind: 'pattern';
  /** `m : Message(...)` binds the fact to `m`. */
  binding: string | null;
  type: string;
  constraints: Constraint[];
  pos: Position;
}

export type AccumulateFunction = 'count' | 'sum' | 'min' | 'max';

export interface Accumulate {
  kind: 'accumulate';
  source: Pattern;
  /** `total : sum(p)`: each result bound to a name. */
  results: { name: string; fn: AccumulateFunction; arg: Expr | null; pos: Position }[];
  /** Conditions on the results (`; total > 100`). */
  tests: Expr[];
  pos: Position;
}

export type Condition =
  | Pattern
  | Accumulate
  | { kind: 'not'; body: Condition; pos: Position }
  | { kind: 'exists'; body: Condition; pos: Position }
  | { kind: 'and'; items: Condition[]; pos: Position }
  | { kind: 'or'; items: Condition[]; pos: Position };

export interface Assignment {
  field: string;
  value: Expr;
  pos: Position;
}

export type Action =
  | { kind: 'modify'; target: string; assignments: Assignment[]; pos: Position }
  | { kind: 'insert'; type: string; assignments: Assignment[]; pos: Position }
  | { kind: 'retract'; target: string; pos: Position }
  | { kind: 'emit'; name: string; value: Expr; pos: Position };

export interface Rule {
  name: string;
  salience: number;
  /** `no-loop`: the rule's own actions do not activate it again. */
  noLoop: boolean;
  /** Conditions that must all hold (the `when` part, joined by AND). */
  when: Condition[];
  then: Action[];
  pos: Position;
}

/** `declare Type field : Kind ... end`: the fields a fact type has and their kinds. */
export type FieldKind = 'number' | 'string' | 'bool';

export interface Declaration {
  type: string;
  fields: { name: string; kind: FieldKind; pos: Position }[];
  pos: Position;
}

export interface RuleFile {
  name: string;
  declarations: Declaration[];
  rules: Rule[];
}
