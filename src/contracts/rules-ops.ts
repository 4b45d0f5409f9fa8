/**
 * The rules engine for a contract call (spec/rules.md, "In contracts"): the sessions the
 * prelude's `rules` API opens on rule files of the contract's bundle, each a handle the VM
 * holds. Every unit of the engine's work is charged to the call's meter before it is done, so
 * a rule set that never ends runs out of gas with the same gas on every node; the engine's
 * refusals fail the call as a ContractAbort.
 */
import { utf8Length } from '../codec/utf8-fit.js';
import { compileRules } from '../rules/engine.js';
import { RuleFileError } from '../rules/lexer.js';
import { RuleSession } from '../rules/session.js';
import { RuleRuntimeError, valueJson, type Fact } from '../rules/values.js';
import type { HostMeter } from './host-ops.js';
import { ContractAbort, type HostCalls } from './sandbox-types.js';

/** Sessions one call may open, facts and partial matches one session may hold. */
export const MAX_SESSIONS_PER_CALL = 16;
export const MAX_CONTRACT_FACTS = 10_000;
export const MAX_CONTRACT_TOKENS = 200_000;

const ID_TEXT = /^[1-9][0-9]{0,15}$/;

function parsed(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw new ContractAbort('rules: the value is not JSON');
  }
}

function fieldsOf(json: string, what: string): Record<string, unknown> {
  const value = parsed(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ContractAbort(`rules: ${what} takes the fields as an object`);
  return value as Record<string, unknown>;
}

function factFields(f: Fact): Record<string, unknown> {
  return Object.fromEntries([...f.fields].map(([k, v]) => [k, valueJson(v)]));
}

export class CallRules {
  private readonly sessions: RuleSession[] = [];
  /** Events of each session already handed to the host. */
  private readonly flushed: number[] = [];

  constructor(
    private readonly host: HostCalls,
    private readonly meter: HostMeter,
  ) {}

  /** Runs rules operation `op`; the string handed back to the VM, if any. */
  operation(op: string, a: string, b: string, c: string): string | undefined {
    try {
      return this.run(op, a, b, c);
    } catch (err) {
      if (err instanceof RuleRuntimeError || err instanceof RuleFileError) throw new ContractAbort(`rules: ${err.message}`);
      throw err;
    }
  }

  private session(handle: string): RuleSession {
    const session = /^[0-9]{1,2}$/.test(handle) ? this.sessions[Number(handle)] : undefined;
    if (!session) throw new ContractAbort('rules: not a session of this call');
    return session;
  }

  private id(text: string): number {
    if (!ID_TEXT.test(text)) throw new ContractAbort('rules: a fact id is a positive integer');
    return Number(text);
  }

  private answer(json: string): string {
    this.meter.charge('rules.read', utf8Length(json));
    return json;
  }

  private run(op: string, a: string, b: string, c: string): string | undefined {
    switch (op) {
      case 'rules.open': {
        if (this.sessions.length >= MAX_SESSIONS_PER_CALL) throw new ContractAbort(`rules: at most ${MAX_SESSIONS_PER_CALL} sessions in one call`);
        const source = this.host.ruleFile?.(a);
        if (source === undefined) throw new ContractAbort(`rules: no rule file "${a.slice(0, 80)}" in the contract's bundle`);
        // The same charge whether this process compiled the file before or not.
        this.meter.charge('rules.open', utf8Length(source));
        const meter = this.meter;
        this.sessions.push(new RuleSession(compileRules(a, source, (parts) => meter.charge('rules.compile', parts)), { charge: (work, units) => meter.charge(`rules.${work}`, units), maxFacts: MAX_CONTRACT_FACTS, maxTokens: MAX_CONTRACT_TOKENS, record: false }));
        this.flushed.push(0);
        return String(this.sessions.length - 1);
      }
      case 'rules.insert': {
        const session = this.session(a);
        this.meter.charge('rules.insert', utf8Length(b) + utf8Length(c));
        return String(session.insert(b, fieldsOf(c, 'insert')));
      }
      case 'rules.modify': {
        const session = this.session(a);
        this.meter.charge('rules.insert', utf8Length(c));
        session.modify(this.id(b), fieldsOf(c, 'modify'));
        return undefined;
      }
      case 'rules.retract':
        this.meter.charge('rules.retract', 0);
        this.session(a).retract(this.id(b));
        return undefined;
      case 'rules.fire': {
        const session = this.session(a);
        const limit = b === '' ? Number.POSITIVE_INFINITY : Number(b);
        if (!(limit === Number.POSITIVE_INFINITY || (Number.isSafeInteger(limit) && limit >= 0))) throw new ContractAbort('rules: fire takes a limit that is a whole number');
        const fired = session.fire(limit);
        this.flushEvents(Number(a), session);
        return String(fired);
      }
      case 'rules.get': {
        const fact = this.session(a).get(this.id(b));
        return fact ? this.answer(JSON.stringify(factFields(fact))) : undefined;
      }
      case 'rules.query': {
        const facts = this.session(a).query(b);
        // Each fact read is paid before it is written out; the answer's bytes after.
        for (const _ of facts) this.meter.charge('rules.fold', 0);
        return this.answer(JSON.stringify(facts.map((f) => ({ id: f.id, ...factFields(f) }))));
      }
      case 'rules.facts': {
        const facts = this.session(a).allFacts();
        for (const _ of facts) this.meter.charge('rules.fold', 0);
        return this.answer(JSON.stringify(facts.map((f) => ({ id: f.id, type: f.type, fields: factFields(f) }))));
      }
      case 'rules.restore': {
        const session = this.session(a);
        this.meter.charge('rules.insert', utf8Length(b));
        const saved = parsed(b);
        if (!Array.isArray(saved)) throw new ContractAbort('rules: saved facts are a list');
        const facts = saved.map((f: unknown) => {
          const { id, type, fields } = (typeof f === 'object' && f !== null ? f : {}) as { id?: unknown; type?: unknown; fields?: unknown };
          if (typeof id !== 'number' || typeof type !== 'string' || typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new ContractAbort('rules: a saved fact is { id, type, fields }');
          return { id, type, fields: fields as Record<string, unknown> };
        });
        for (const _ of facts) this.meter.charge('rules.insert', 0);
        session.restore(facts);
        return undefined;
      }
      default:
        throw new ContractAbort(`unknown host operation "${op.slice(0, 32)}"`);
    }
  }

  /** The session's new `emit` events become the contract's events (each charged as an emit). */
  private flushEvents(handle: number, session: RuleSession): void {
    const from = this.flushed[handle] ?? 0;
    for (const e of session.emitted.slice(from)) {
      const data = JSON.stringify(valueJson(e.value));
      this.meter.charge('emit', utf8Length(e.name) + utf8Length(data));
      this.host.emit(e.name, data);
    }
    this.flushed[handle] = session.emitted.length;
  }
}
