/**
 * A process instance and what moves it (spec/processes.md, "Instances"): tokens at nodes, fork
 * groups that joins count, variables, and the steps taken. Pure and deterministic: the same
 * definition, instance and request give the same instance and steps on every node. The host
 * (a contract call, or the block's timer pass) stores the result and pays for the work.
 */
import type { Network } from '../rules/network.js';
import { RuleSession, type Work } from '../rules/session.js';
import { RuleRuntimeError, valueFrom, type Value } from '../rules/values.js';
import { GUARD_FACT } from './guards.js';
import { transitionKey, type ProcessDefinition, type ProcessNode, type Transition } from './model.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ProcessToken {
  id: number;
  /** The node it is at. */
  node: string;
  /** The fork group it belongs to (0: none). */
  group: number;
  /** The block it arrived at its node in, and that block's time: a timer counts from them. */
  height: number;
  time: number;
}

/** The tokens a fork made, which its join waits for. */
export interface ForkGroup {
  id: number;
  /** The group of the token that entered the fork. */
  parent: number;
  fork: string;
}

export interface ProcessStep {
  /** The step's number in the instance, from 0. */
  seq: number;
  height: number;
  /** The transaction that made it (hex), or '' for a timer fired by the block. */
  tx: string;
  token: number;
  from: string;
  transition: string;
  to: string;
  by: 'start' | 'signal' | 'timer' | 'flow';
}

export interface ProcessInstance {
  id: string;
  process: string;
  file: string;
  status: 'active' | 'ended' | 'suspended';
  tokens: ProcessToken[];
  groups: ForkGroup[];
  vars: Record<string, JsonValue>;
  nextToken: number;
  nextGroup: number;
  /** Steps taken so far (the steps themselves are stored apart, one record each). */
  steps: number;
  startedAt: number;
  endedAt: number | null;
  /** CMT (base units, decimal text) held to pay for this instance's timers; the host keeps it. */
  deposit: string;
}

/** A request the instance cannot take: the reason says what it can take instead. Nothing changes. */
export class ProcessRefusal extends Error {
  override name = 'ProcessRefusal';
}

/** Work the engine reports to the host's meter: a step, and the rules' work in guards and rule decisions. */
export type ProcessWork = 'step' | `rules.${Work}`;

export interface StepContext {
  height: number;
  time: number;
  tx: string;
  charge(work: ProcessWork, units: number): void;
  /** A decision's rule file (by its name in the bundle), compiled. */
  rules(file: string): Network | undefined;
}

/** A refusal names at most this many nodes (and transitions a node), each name cut to REFUSAL_NAME characters. */
const REFUSAL_NODES = 8;
const REFUSAL_NAME = 60;
const short = (text: string): string => (text.length > REFUSAL_NAME ? `${text.slice(0, REFUSAL_NAME)}…` : text);

/** Live tokens an instance may hold, and steps one request may take: a loop of automatic nodes ends here, not in the node. */
export const INSTANCE_LIMITS = { tokens: 256, stepsPerRequest: 2_000, varBytes: 16 * 1024 } as const;

export function startInstance(def: ProcessDefinition, id: string, vars: Record<string, JsonValue>, ctx: StepContext): { instance: ProcessInstance; steps: ProcessStep[] } {
  const instance: ProcessInstance = { id, process: def.name, file: def.file, status: 'active', tokens: [], groups: [], vars: setVars({}, vars), nextToken: 1, nextGroup: 1, steps: 0, startedAt: ctx.height, endedAt: null, deposit: '0' };
  const run = new Run(def, instance, ctx);
  const token: ProcessToken = { id: instance.nextToken++, node: def.start, group: 0, height: ctx.height, time: ctx.time };
  instance.tokens.push(token);
  run.arrive(token, 'start');
  run.prune();
  return { instance, steps: run.steps };
}

/**
 * A signal: `target` is a transition's name (or, unnamed, its target), `node/transition`, or a
 * wait state's name or message when it has one way out besides its timer. Refused, with what
 * could be taken, unless exactly one waiting token can take it.
 */
export function signalInstance(def: ProcessDefinition, current: ProcessInstance, target: string, data: Record<string, JsonValue>, ctx: StepContext): { instance: ProcessInstance; steps: ProcessStep[] } {
  if (current.status !== 'active') throw new ProcessRefusal(current.status === 'ended' ? `instance ${current.id} has ended` : `instance ${current.id} is suspended: its timer deposit ran out; add to it`);
  const choices = current.tokens.flatMap((token) => {
    const node = def.nodes.get(token.node);
    return node && node.kind === 'wait' ? [{ token, node }] : [];
  });
  const slash = target.lastIndexOf('/');
  const matches = choices.flatMap(({ token, node }) => {
    const byKey = node.transitions.filter((t) => transitionKey(t) === target);
    if (byKey.length === 1) return [{ token, node, transition: byKey[0] as Transition }];
    if (slash > 0 && (node.name === target.slice(0, slash) || node.id === target.slice(0, slash))) {
      const t = node.transitions.find((x) => transitionKey(x) === target.slice(slash + 1));
      if (t) return [{ token, node, transition: t }];
    }
    if (node.name === target || node.id === target || node.message === target) {
      const ways = node.transitions.filter((t) => transitionKey(t) !== node.timer?.transition);
      if (ways.length === 1) return [{ token, node, transition: ways[0] as Transition }];
    }
    return [];
  });
  if (matches.length === 0) {
    // What waits, said briefly: each node once, a few of them, names cut (a refusal is built before anything pays for it).
    const nodes = [...new Set(choices.map(({ node }) => node))];
    const waiting = nodes.slice(0, REFUSAL_NODES).map((node) => `"${short(node.name)}" (${node.transitions.slice(0, REFUSAL_NODES).map((t) => short(transitionKey(t))).join(', ')}${node.transitions.length > REFUSAL_NODES ? ', …' : ''})`);
    throw new ProcessRefusal(`no waiting token of instance ${current.id} can take "${short(target)}"; ${waiting.length === 0 ? 'none waits' : `tokens wait at ${waiting.join('; ')}${nodes.length > REFUSAL_NODES ? '; …' : ''}`}`);
  }
  if (matches.length > 1) {
    const at = [...new Set(matches.map((m) => m.node))].slice(0, REFUSAL_NODES).map((n) => `"${short(n.name)}"`);
    throw new ProcessRefusal(`"${short(target)}" is ambiguous: tokens at ${at.join(', ')} can take it; name the node: "NODE/${short(target)}"`);
  }
  const instance = structuredClone(current);
  setVars(instance.vars, data);
  const run = new Run(def, instance, ctx);
  const match = matches[0] as (typeof matches)[number];
  run.leave(instance.tokens.find((t) => t.id === match.token.id) as ProcessToken, match.node, match.transition, 'signal');
  run.prune();
  return { instance, steps: run.steps };
}

/** The timer of a token's wait state fires: the token takes the timer's transition, if it is still there. */
export function fireTimer(def: ProcessDefinition, current: ProcessInstance, tokenId: number, ctx: StepContext): { instance: ProcessInstance; steps: ProcessStep[] } | null {
  const token = current.tokens.find((t) => t.id === tokenId);
  const node = token ? def.nodes.get(token.node) : undefined;
  if (current.status !== 'active' || !token || !node?.timer) return null;
  const transition = node.transitions.find((t) => transitionKey(t) === node.timer?.transition) as Transition;
  const instance = structuredClone(current);
  const run = new Run(def, instance, ctx);
  run.leave(instance.tokens.find((t) => t.id === tokenId) as ProcessToken, node, transition, 'timer');
  run.prune();
  return { instance, steps: run.steps };
}

/** The tokens waiting on a timer, with the node whose timer it is: what the host schedules. */
export function armedTimers(def: ProcessDefinition, instance: ProcessInstance): { token: ProcessToken; node: ProcessNode }[] {
  if (instance.status !== 'active') return [];
  return instance.tokens.flatMap((token) => {
    const node = def.nodes.get(token.node);
    return node?.timer ? [{ token, node }] : [];
  });
}

/** One request's moves: tokens run through automatic nodes until each waits or ends. */
class Run {
  readonly steps: ProcessStep[] = [];

  constructor(
    private readonly def: ProcessDefinition,
    private readonly instance: ProcessInstance,
    private readonly ctx: StepContext,
  ) {}

  leave(token: ProcessToken, from: ProcessNode, transition: Transition, by: ProcessStep['by']): void {
    this.move(token, from, transition, by);
  }

  /** A token reached its node: what the node's kind does with it. */
  arrive(token: ProcessToken, by: ProcessStep['by']): void {
    const pending: { token: ProcessToken; by: ProcessStep['by'] }[] = [{ token, by }];
    for (let next = pending.shift(); next; next = pending.shift()) {
      const t = next.token;
      if (!this.instance.tokens.includes(t)) continue;
      const node = this.def.nodes.get(t.node) as ProcessNode;
      const go = (transition: Transition): void => {
        this.move(t, node, transition, next?.by === 'start' ? 'start' : 'flow', false);
        pending.push({ token: t, by: 'flow' });
      };
      switch (node.kind) {
        case 'start':
        case 'task':
          go(node.transitions[0] as Transition);
          break;
        case 'decision':
          go(this.decide(node));
          break;
        case 'fork': {
          const group: number = this.instance.nextGroup++;
          this.instance.groups.push({ id: group, parent: t.group, fork: node.id });
          this.remove(t);
          for (const transition of node.transitions) {
            const child = this.token(node.id, group);
            this.move(child, node, transition, 'flow', false);
            pending.push({ token: child, by: 'flow' });
          }
          break;
        }
        case 'join': {
          // The join closes the group of its own fork (found up the token's groups); that
          // group's tokens, and those of forks inside its branches, must all have arrived. A
          // token whose fork's group is gone (its other branches ended) passes alone.
          const closes = this.def.joins.get(node.id);
          let group = this.instance.groups.find((g) => g.id === t.group);
          while (group && group.fork !== closes) group = this.instance.groups.find((g) => g.id === group?.parent);
          const within = group ? this.within(group.id) : new Set<number>();
          const family = group ? this.instance.tokens.filter((x) => within.has(x.group)) : [t];
          if (family.some((x) => x.node !== node.id)) break;
          for (const x of family) this.remove(x);
          this.instance.groups = this.instance.groups.filter((g) => !within.has(g.id));
          const merged = this.token(node.id, group ? group.parent : t.group);
          this.move(merged, node, node.transitions[0] as Transition, 'flow', false);
          pending.push({ token: merged, by: 'flow' });
          break;
        }
        case 'end':
          this.remove(t);
          if (node.completes) this.instance.tokens = [];
          if (this.instance.tokens.length === 0) {
            this.instance.status = 'ended';
            this.instance.endedAt = this.ctx.height;
            this.instance.groups = [];
          }
          break;
        case 'wait':
          break;
      }
    }
  }

  /**
   * Drops the fork groups no longer needed: one with no live token in it (or in the groups of
   * forks inside it) goes, and one with a single such token hands it to its parent group. So
   * the groups stay fewer than the tokens, however often a loop passes a fork.
   */
  prune(): void {
    // Live tokens under each group, its inner forks' included: a group is always made after
    // its parent, so counting from the newest up adds each child's total to its parent's.
    const newestFirst = [...this.instance.groups].sort((a, b) => b.id - a.id);
    const under = new Map(newestFirst.map((g) => [g.id, 0]));
    for (const t of this.instance.tokens) if (under.has(t.group)) under.set(t.group, (under.get(t.group) as number) + 1);
    for (const g of newestFirst) if (under.has(g.parent)) under.set(g.parent, (under.get(g.parent) as number) + (under.get(g.id) as number));
    // Dissolving a group leaves the totals of the groups above it as they are: one pass, inner first.
    for (const g of newestFirst) {
      if ((under.get(g.id) as number) > 1) continue;
      for (const x of this.instance.tokens) if (x.group === g.id) x.group = g.parent;
      for (const other of this.instance.groups) if (other.parent === g.id) other.parent = g.parent;
      this.instance.groups = this.instance.groups.filter((x) => x !== g);
    }
  }

  private move(token: ProcessToken, from: ProcessNode, transition: Transition, by: ProcessStep['by'], follow = true): void {
    if (this.steps.length >= INSTANCE_LIMITS.stepsPerRequest) throw new ProcessRefusal(`more than ${INSTANCE_LIMITS.stepsPerRequest} steps in one request: a loop of automatic nodes around "${from.name}"?`);
    this.ctx.charge('step', 1);
    this.steps.push({ seq: this.instance.steps++, height: this.ctx.height, tx: this.ctx.tx, token: token.id, from: from.id, transition: transitionKey(transition), to: transition.to, by });
    token.node = transition.to;
    token.height = this.ctx.height;
    token.time = this.ctx.time;
    if (follow) this.arrive(token, by);
  }

  private token(node: string, group: number): ProcessToken {
    if (this.instance.tokens.length >= INSTANCE_LIMITS.tokens) throw new ProcessRefusal(`more than ${INSTANCE_LIMITS.tokens} live tokens in one instance`);
    const token: ProcessToken = { id: this.instance.nextToken++, node, group, height: this.ctx.height, time: this.ctx.time };
    this.instance.tokens.push(token);
    return token;
  }

  /** Group `id` and the groups of forks inside its branches. */
  private within(id: number): Set<number> {
    const found = new Set<number>([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const g of this.instance.groups) {
        if (!found.has(g.id) && found.has(g.parent)) {
          found.add(g.id);
          grew = true;
        }
      }
    }
    return found;
  }

  private remove(token: ProcessToken): void {
    this.instance.tokens = this.instance.tokens.filter((t) => t !== token);
  }

  /** The transition a decision takes: what its rule file decides, else the first guard that holds, else its default. */
  private decide(node: ProcessNode): Transition {
    const byKey = (key: string | null): Transition | undefined => node.transitions.find((t) => transitionKey(t) === key);
    if (node.rules !== null) {
      const network = this.ctx.rules(node.rules);
      if (!network) throw new ProcessRefusal(`decision "${node.name}": the bundle has no rule file ${node.rules}`);
      const session = this.session(network, node);
      const decided = session.query('Decision').map((f) => f.fields.get('transition'));
      if (decided.length > 1) throw new ProcessRefusal(`decision "${node.name}": ${node.rules} inserted ${decided.length} Decision facts; it must insert at most one`);
      const key = decided.length === 1 ? decided[0] : node.defaultTransition;
      const chosen = typeof key === 'string' ? byKey(key) : undefined;
      if (!chosen) throw new ProcessRefusal(`decision "${node.name}": ${node.rules} chose ${decided.length === 1 ? `"${String(key)}", which is not one of its transitions (${node.transitions.map((t) => transitionKey(t)).join(', ')})` : 'nothing, and the decision has no default'}`);
      return chosen;
    }
    const network = this.def.guards.get(node.id);
    const taken = network ? this.session(network, node).emitted.filter((e) => e.name === 'take').map((e) => Number(String(e.value))) : [];
    const first = taken.length > 0 ? node.transitions[Math.min(...taken)] : byKey(node.defaultTransition);
    return first as Transition; // a default exists: the definition was checked
  }

  /** A rules session over the instance's variables as one `Process` fact, fired to the end. */
  private session(network: Network, node: ProcessNode): RuleSession {
    const session = new RuleSession(network, { charge: (work, units) => this.ctx.charge(`rules.${work}`, units), maxFacts: 1_000, maxTokens: 20_000, record: false });
    try {
      session.insert(GUARD_FACT, scalarVars(this.instance.vars));
      session.fire(10_000);
    } catch (err) {
      if (err instanceof RuleRuntimeError) throw new ProcessRefusal(`decision "${node.name}": ${err.message}`);
      throw err;
    }
    if (session.pending > 0) throw new ProcessRefusal(`decision "${node.name}": the rules still had work after 10,000 firings`);
    return session;
  }
}

/** Sets each of `data`'s variables as an own property (a `__proto__` key is a name like any other). */
function setVars(vars: Record<string, JsonValue>, data: Record<string, JsonValue>): Record<string, JsonValue> {
  for (const [k, v] of Object.entries(data)) Object.defineProperty(vars, k, { value: v, enumerable: true, writable: true, configurable: true });
  return vars;
}

/** The variables a guard reads: those the rules can hold (numbers as integers or `{$decimal}`, strings, booleans, null). */
function scalarVars(vars: Record<string, JsonValue>): Record<string, Value | JsonValue> {
  const out: Record<string, Value | JsonValue> = {};
  for (const [k, v] of Object.entries(vars)) {
    try {
      out[k] = valueFrom(v, k);
    } catch {
      // Lists, objects and fractional JSON numbers are not rule values: a guard reads them as null.
    }
  }
  return out;
}
