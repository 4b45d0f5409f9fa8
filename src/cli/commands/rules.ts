/**
 * `cmt rules test FILE --facts FACTS.json`: a rule file tried off chain, as an analyst would:
 * the facts inserted in order, the rules fired until nothing matches (or --limit), and the
 * trace (which rule fired on which facts, in order), the events and the final facts printed
 * (spec/rules.md, "Trying rules off chain").
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { Decimal } from '../../rules/decimal.js';
import { compileRules, openSession } from '../../rules/engine.js';
import { RuleFileError } from '../../rules/lexer.js';
import { RuleRuntimeError, valueJson, type Fact, type Value } from '../../rules/values.js';
import { optionParser, parsePositiveInt } from '../arguments.js';
import { CommandError, parseOutputFormat, printResult, type OutputFormat } from '../output.js';
import { describeCommand } from '../command-table.js';

interface RulesTestFlags {
  facts?: string;
  limit: number;
  output: OutputFormat;
}

const MAX_INPUT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_FIRING_LIMIT = 100_000;

async function readText(path: string, what: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new CommandError(`no ${what} at ${path}`, 'INVALID_ARGUMENT');
  if (info.size > MAX_INPUT_BYTES) throw new CommandError(`${path}: the ${what} is ${info.size} bytes; at most ${MAX_INPUT_BYTES}`, 'INVALID_ARGUMENT');
  return readFile(path, 'utf8');
}

/** The facts file: a JSON array of `{ "type": "Message", "fields": { ... } }`. */
function parseFacts(path: string, text: string): { type: string; fields: Record<string, unknown> }[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CommandError(`${path}: not JSON (${err instanceof Error ? err.message : String(err)})`, 'INVALID_ARGUMENT');
  }
  if (!Array.isArray(raw)) throw new CommandError(`${path}: a JSON array of facts, each { "type": "Message", "fields": { ... } }`, 'INVALID_ARGUMENT');
  return raw.map((item: unknown, i) => {
    const fact = item as { type?: unknown; fields?: unknown };
    if (typeof item !== 'object' || item === null || typeof fact.type !== 'string' || typeof fact.fields !== 'object' || fact.fields === null || Array.isArray(fact.fields)) {
      throw new CommandError(`${path}: fact ${i} is not { "type": "...", "fields": { ... } }`, 'INVALID_ARGUMENT');
    }
    return { type: fact.type, fields: fact.fields as Record<string, unknown> };
  });
}

function factJson(f: Fact): { id: number; type: string; fields: Record<string, unknown> } {
  return { id: f.id, type: f.type, fields: Object.fromEntries([...f.fields].map(([k, v]) => [k, valueJson(v)])) };
}

function showValue(v: Value): string {
  return v instanceof Decimal ? v.toString() : JSON.stringify(v);
}

export function registerRulesCommands(program: Command): void {
  const rules = program.command('rules').description(describeCommand('rules'));
  rules
    .command('test <file>')
    .description('insert the facts, fire the rules until nothing matches, print which rule fired on which facts, the events and the final facts')
    .option('--facts <file>', 'a JSON array of facts: [{ "type": "Message", "fields": { "fico_score": 741, "rate": { "$decimal": "0.8" } } }]')
    .option('--limit <n>', 'stop after this many firings (a rule set that loops)', optionParser(parsePositiveInt), DEFAULT_FIRING_LIMIT)
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (file: string, o: RulesTestFlags) => {
      const source = await readText(file, 'rule file');
      const facts = o.facts ? parseFacts(o.facts, await readText(o.facts, 'facts file')) : [];
      let session;
      try {
        session = openSession(compileRules(file, source));
        for (const f of facts) session.insert(f.type, f.fields);
        session.fire(o.limit);
      } catch (err) {
        if (err instanceof RuleFileError || err instanceof RuleRuntimeError) throw new CommandError(err.message, 'RULES_FAILED');
        throw err;
      }
      const stopped = session.pending > 0;
      const factsOut = session.allFacts();
      const result = {
        fired: session.fired.map((f) => ({ rule: f.rule, facts: f.facts })),
        events: session.emitted.map((e) => ({ rule: e.rule, name: e.name, value: valueJson(e.value) })),
        facts: factsOut.map(factJson),
        stopped,
        pending: session.pending,
      };
      printResult(o.output, result, () => {
        const lines = [`fired ${session.fired.length} time${session.fired.length === 1 ? '' : 's'}${stopped ? `, stopped at --limit ${o.limit} with ${session.pending} activations waiting` : ''}`];
        session.fired.forEach((f, i) => lines.push(`  ${i + 1}. ${f.rule} on ${f.facts.map((id) => `#${id}`).join(', ') || '(no facts)'}`));
        if (session.emitted.length > 0) {
          lines.push('events:');
          for (const e of session.emitted) lines.push(`  ${e.name} ${showValue(e.value)} (rule "${e.rule}")`);
        }
        lines.push('facts:');
        for (const f of factsOut) lines.push(`  #${f.id} ${f.type} { ${[...f.fields].map(([k, v]) => `${k}: ${showValue(v)}`).join(', ')} }`);
        return lines.join('\n');
      });
      if (stopped) process.exitCode = 1;
    });
}
