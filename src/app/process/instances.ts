/**
 * Loading and keeping process instances on the chain's side: a contract's definitions from its
 * bundle, the engine's surroundings for a request (block, transaction, meter, rule files), and
 * storing what a request did: the instance, its new steps, and its timers in the queue. Shared
 * by the contract API (operations.ts) and the timers fired at the start of a block (timers.ts).
 */
import { utf8 } from '../../codec/bytes.js';
import { compileProcessFile } from '../../process/definition.js';
import { armedTimers, ProcessRefusal, type ProcessInstance, type ProcessStep, type ProcessWork, type StepContext } from '../../process/instance.js';
import { credit } from '../bank/accounts.js';
import type { ProcessDefinition } from '../../process/model.js';
import { dueAt } from '../../process/timers.js';
import { compileRules } from '../../rules/engine.js';
import type { Overlay, StateReader } from '../../state/overlay.js';
import { contractProcessFiles, contractRuleFile } from '../contracts/records.js';
import { addToProcessDeposits, timerKey, writeInstance, writeStep, type TimerEntry } from './records.js';

/**
 * A contract's definitions, their loading and compiling charged through `charge` before the
 * work (`process.open`, then each file's `process.xml` and `process.guards` bytes): the same
 * charge whether this node had them compiled already, so gas does not depend on a cache.
 */
export function contractDefinitions(state: StateReader, contract: Uint8Array, charge: (what: string, bytes: number) => void = () => undefined): ProcessDefinition[] {
  charge('process.open', 0);
  // The files compiled at deploy: compiling again cannot fail.
  return contractProcessFiles(state, contract).flatMap(([name, text]) => compileProcessFile(name, text, (work, bytes) => charge(`process.${work}`, bytes)));
}

/** The most bytes an instance's row may take: a request that would write more is refused. */
export const MAX_INSTANCE_BYTES = 64 * 1024;

/**
 * An ended instance keeps no deposit: what is left goes back to the contract's balance (and
 * leaves the pool the supply counts).
 */
export function refundEnded(state: Overlay, contract: Uint8Array, instance: ProcessInstance): ProcessInstance {
  const left = BigInt(instance.deposit);
  if (instance.status !== 'ended' || left === 0n) return instance;
  addToProcessDeposits(state, -left);
  credit(state, contract, left);
  return { ...instance, deposit: '0' };
}

export interface RequestEnv {
  state: Overlay;
  contract: Uint8Array;
  height: number;
  time: number;
  /** The transaction's hash (hex), or '' for a timer the block fired. */
  tx: string;
  charge(what: string, units: number): void;
}

export function stepContext(env: RequestEnv): StepContext {
  return {
    height: env.height,
    time: env.time,
    tx: env.tx,
    charge: (work: ProcessWork, units: number) => env.charge(work === 'step' ? 'process.step' : work, units),
    rules: (file) => {
      const source = contractRuleFile(env.state, env.contract, file);
      if (source === undefined) return undefined;
      env.charge('rules.open', utf8(source).length);
      return compileRules(file, source, (parts) => env.charge('rules.compile', parts));
    },
  };
}

/** An instance as contracts, queries and `cmt process show` see it: each token with its node's name. */
export function instanceView(def: ProcessDefinition | undefined, instance: ProcessInstance): Record<string, unknown> {
  return {
    id: instance.id,
    process: instance.process,
    file: instance.file,
    status: instance.status,
    tokens: instance.tokens.map((t) => ({ id: t.id, node: t.node, name: def?.nodes.get(t.node)?.name ?? t.node, since: t.height })),
    vars: instance.vars,
    steps: instance.steps,
    deposit: instance.deposit,
    startedAt: instance.startedAt,
    endedAt: instance.endedAt,
  };
}

/** The queue entries of an instance's armed timers. */
export function timerEntries(def: ProcessDefinition, contract: Uint8Array, instance: ProcessInstance): TimerEntry[] {
  return armedTimers(def, instance).map(({ token, node }) => {
    const due = dueAt((node.timer as NonNullable<typeof node.timer>).due, token.height, token.time);
    return 'height' in due
      ? { by: 'height', due: due.height, contract, instance: Number(instance.id), token: token.id }
      : { by: 'time', due: Math.max(0, due.time), contract, instance: Number(instance.id), token: token.id };
  });
}

/**
 * Stores what a request did: the instance, each new step (each paid by its bytes), and the
 * timer queue moved from the timers armed before (`before`, none for a new instance) to those
 * armed now.
 */
export function keep(env: RequestEnv, def: ProcessDefinition, before: ProcessInstance | undefined, instance: ProcessInstance, steps: readonly ProcessStep[]): void {
  const id = Number(instance.id);
  const bytes = utf8(JSON.stringify(instance));
  if (bytes.length > MAX_INSTANCE_BYTES) throw new ProcessRefusal(`instance ${instance.id} would take ${bytes.length} bytes; at most ${MAX_INSTANCE_BYTES} (fewer variables, or fewer tokens at once)`);
  env.charge('process.write', bytes.length);
  writeInstance(env.state, env.contract, instance, bytes);
  for (const step of steps) {
    const stepBytes = utf8(JSON.stringify(step));
    env.charge('process.write', stepBytes.length);
    writeStep(env.state, env.contract, id, step, stepBytes);
  }
  const old = before ? timerEntries(def, env.contract, before) : [];
  const now = instance.status === 'active' ? timerEntries(def, env.contract, instance) : [];
  const key = (t: TimerEntry): string => Buffer.from(timerKey(t)).toString('latin1');
  const kept = new Set(now.map(key));
  for (const t of old) if (!kept.has(key(t))) env.state.delete(timerKey(t));
  const had = new Set(old.map(key));
  for (const t of now) {
    if (had.has(key(t))) continue;
    env.charge('process.write', 0);
    env.state.set(timerKey(t), Uint8Array.of(1));
  }
}
