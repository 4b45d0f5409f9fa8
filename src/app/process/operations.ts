/**
 * The contract API of processes (spec/processes.md, "In contracts"): `process.start`,
 * `signal`, `state`, `history` and `deposit`, run by the host for the calling contract on the
 * transaction's overlay. Each is paid before its work by the contract gas schedule; a refusal
 * is a ContractAbort with the engine's reason and changes nothing.
 */
import { utf8 } from '../../codec/bytes.js';
import { nestedDeeperThan } from '../../codec/json-depth.js';
import { ContractAbort } from '../../contracts/sandbox-types.js';
import { signalInstance, startInstance, INSTANCE_LIMITS, ProcessRefusal, type JsonValue, type ProcessInstance } from '../../process/instance.js';
import type { ProcessDefinition } from '../../process/model.js';
import type { Overlay } from '../../state/overlay.js';
import { debit } from '../bank/accounts.js';
import { TxError } from '../errors.js';
import { contractDefinitions, instanceView, keep, refundEnded, stepContext, type RequestEnv } from './instances.js';
import { addToProcessDeposits, MAX_INSTANCE_ID, readInstance, stepKey, takeInstanceId } from './records.js';

/** Steps one `history` call returns at most. */
export const MAX_HISTORY_PAGE = 100;

const ID = /^[1-9][0-9]{0,11}$/;
const AMOUNT = /^[1-9][0-9]{0,77}$/;
const decoder = new TextDecoder();

function abortOn<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof ProcessRefusal) throw new ContractAbort(`process: ${err.message}`);
    throw err;
  }
}

/**
 * How deep variables may nest: the host copies and encodes them recursively, and its stack is
 * not the same on every thread, so a value deep enough to overflow on one must be refused on all.
 */
export const MAX_VAR_DEPTH = 32;

function objectArg(json: string, what: string): Record<string, JsonValue> {
  if (utf8(json).length > INSTANCE_LIMITS.varBytes) throw new ContractAbort(`process: ${what} is more than ${INSTANCE_LIMITS.varBytes} bytes of JSON`);
  if (nestedDeeperThan(json, MAX_VAR_DEPTH)) throw new ContractAbort(`process: ${what} is nested more than ${MAX_VAR_DEPTH} levels deep`);
  let value: unknown;
  try {
    value = JSON.parse(json) as unknown;
  } catch {
    throw new ContractAbort(`process: ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ContractAbort(`process: ${what} must be an object`);
  return value as Record<string, JsonValue>;
}

export class ContractProcesses {
  private loaded: ProcessDefinition[] | undefined;

  constructor(private readonly env: RequestEnv) {}

  /** Runs `op`; the string handed back to the VM, if any. */
  operation(op: string, a: string, b: string, c: string): string | undefined {
    switch (op) {
      case 'process.start':
        return this.start(a, b);
      case 'process.signal':
        return this.signal(a, b, c);
      case 'process.state':
        return this.view(this.instance(a));
      case 'process.history':
        return this.history(a, b, c);
      case 'process.deposit':
        return this.deposit(a, b);
      default:
        throw new ContractAbort(`unknown process operation "${op.slice(0, 32)}"`);
    }
  }

  /** The bundle's definitions, loaded (and paid for) once a call. */
  private definitions(): ProcessDefinition[] {
    this.loaded ??= contractDefinitions(this.env.state, this.env.contract, this.env.charge);
    return this.loaded;
  }

  private definition(name: string): ProcessDefinition {
    const definitions = this.definitions();
    const def = definitions.find((d) => d.name === name);
    if (!def) throw new ContractAbort(`process: no process "${name.slice(0, 80)}" in the contract's bundle${definitions.length === 0 ? ' (it has no *.jpdl.xml or *.bpmn file)' : `; it has ${definitions.map((d) => `"${d.name}"`).join(', ')}`}`);
    return def;
  }

  private instance(id: string): ProcessInstance {
    if (!ID.test(id)) throw new ContractAbort('process: an instance id is a whole number from 1');
    this.env.charge('process.read', 0);
    const instance = readInstance(this.env.state, this.env.contract, Number(id), (bytes) => this.env.charge('process.read', bytes));
    if (!instance) throw new ContractAbort(`process: no instance ${id}`);
    return instance;
  }

  private start(name: string, varsJson: string): string {
    this.env.charge('process.start', utf8(varsJson).length);
    const def = this.definition(name);
    const vars = objectArg(varsJson, 'the variables');
    const id = takeInstanceId(this.env.state, this.env.contract);
    if (id === undefined) throw new ContractAbort(`process: the contract has used every instance id (${MAX_INSTANCE_ID})`);
    const { instance, steps } = abortOn(() => startInstance(def, String(id), vars, stepContext(this.env)));
    abortOn(() => keep(this.env, def, undefined, instance, steps));
    return String(id);
  }

  private signal(id: string, target: string, dataJson: string): string {
    this.env.charge('process.signal', utf8(target).length + utf8(dataJson).length);
    const before = this.instance(id);
    const def = this.definition(before.process);
    const data = objectArg(dataJson, 'the data');
    const signalled = abortOn(() => signalInstance(def, before, target, data, stepContext(this.env)));
    if (utf8(JSON.stringify(signalled.instance.vars)).length > INSTANCE_LIMITS.varBytes) throw new ContractAbort(`process: the variables would be more than ${INSTANCE_LIMITS.varBytes} bytes of JSON`);
    const instance = refundEnded(this.env.state, this.env.contract, signalled.instance);
    abortOn(() => keep(this.env, def, before, instance, signalled.steps));
    return this.view(instance);
  }

  /** The instance as the contract and `cmt process show` see it: tokens with their node's name. */
  private view(instance: ProcessInstance): string {
    const json = JSON.stringify(instanceView(this.definitions().find((d) => d.name === instance.process), instance));
    this.env.charge('process.read', utf8(json).length);
    return json;
  }

  private history(id: string, fromText: string, limitText: string): string {
    const instance = this.instance(id);
    const from = fromText === '' ? 0 : Number(fromText);
    const limit = limitText === '' ? MAX_HISTORY_PAGE : Number(limitText);
    if (!Number.isSafeInteger(from) || from < 0) throw new ContractAbort('process: history starts at a step number from 0');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_HISTORY_PAGE) throw new ContractAbort(`process: history takes 1 to ${MAX_HISTORY_PAGE} steps at a time`);
    const steps: string[] = [];
    for (let seq = from; seq < Math.min(instance.steps, from + limit); seq++) {
      const raw = this.env.state.get(stepKey(this.env.contract, Number(id), seq));
      if (raw === undefined) continue;
      this.env.charge('process.read', raw.length);
      steps.push(decoder.decode(raw));
    }
    return `[${steps.join(',')}]`;
  }

  /** Moves CMT from the contract's balance into the instance's timer deposit; a suspended instance resumes. */
  private deposit(id: string, amountText: string): string {
    if (!AMOUNT.test(amountText)) throw new ContractAbort('process: a deposit is a positive BigInt');
    this.env.charge('process.deposit', 0);
    const before = this.instance(id);
    if (before.status === 'ended') throw new ContractAbort(`process: instance ${id} has ended`);
    const def = this.definition(before.process);
    const amount = BigInt(amountText);
    try {
      debit(this.env.state as Overlay, this.env.contract, amount, 0n);
    } catch (err) {
      if (err instanceof TxError) throw new ContractAbort(`process: the contract's balance cannot cover a deposit of ${amount}`);
      throw err;
    }
    addToProcessDeposits(this.env.state, amount);
    const instance: ProcessInstance = { ...structuredClone(before), deposit: String(BigInt(before.deposit) + amount), status: 'active' };
    abortOn(() => keep(this.env, def, before, instance, []));
    return this.view(instance);
  }
}
