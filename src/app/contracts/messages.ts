/**
 * The deploy and call messages (spec/contracts.md). Deploying stores the bundle and record at
 * an address derived from the deployer and its nonce, moves `value` to the contract and runs
 * its `init` export if it has one; calling moves `value` and runs one exported method. A
 * failing contract fails the transaction: its writes are discarded, its gas is charged.
 */
import { BUNDLE_ENTRY, bundleHash, decodeBundle, type BundleFile } from '../../codec/bundle.js';
import { DecodeError } from '../../codec/errors.js';
import { RESULT_LIMITS, type AppEvent } from '../../codec/results.js';
import type { Msg } from '../../codec/tx.js';
import { fitUtf8, utf8Length } from '../../codec/utf8-fit.js';
import { formatAddress } from '../../crypto/address.js';
import { LIST_EXPORTS, type CallOutcome } from '../../contracts/sandbox.js';
import type { Overlay } from '../../state/overlay.js';
import { credit, debit } from '../bank/accounts.js';
import { TxError } from '../errors.js';
import type { GasMeter } from '../gas.js';
import { runContract, type CallEnv } from './contract-host.js';
import { CONTRACT_GAS } from './gas-schedule.js';
import { bundleKey, contractAddress, encodeRecord, recordKey } from './layout.js';
import { contractCode } from './records.js';
import { compileProcessFile, isProcessFile } from '../../process/definition.js';
import { hostCallGas } from './gas-schedule.js';
import { ProcessDefinitionError } from '../../process/model.js';
import { compileRules } from '../../rules/engine.js';
import { RuleFileError } from '../../rules/lexer.js';
import { HookDeclarationError, HOOKS_FILE, parseHooks, type HookDeclaration } from '../hooks/declaration.js';
import { HOOK_GAS } from '../hooks/events.js';

export type ContractMsg = Extract<Msg, { type: 'deployContract' | 'callContract' }>;

export function isContractMessage(msg: Msg): msg is ContractMsg {
  return msg.type === 'deployContract' || msg.type === 'callContract';
}

export interface ContractTxContext {
  sender: Uint8Array;
  /** The sender's nonce this transaction used (the deploy address derives from it). */
  nonce: number;
  /** The transaction's maximum fee: the sender's balance it may not spend. */
  reserved: bigint;
  height: number;
  time: number;
  /** The transaction's hash, upper-case hex (what process steps record). */
  hash: string;
}

/** Runs a contract with the meter's remaining gas and charges what it used; a failure becomes a TxError. */
function execute(env: CallEnv, contract: Uint8Array, tx: ContractTxContext, value: bigint, method: string, argsJson: string, code: string, gas: GasMeter): CallOutcome & { ok: true } {
  const outcome = runContract(env, contract, { sender: formatAddress(tx.sender), value, method, argsJson, gasLimit: gas.limit - gas.consumed, code });
  gas.consume(outcome.gasUsed, `${method} execution`);
  if (!outcome.ok) {
    if (outcome.error === 'out of gas') throw new TxError('OUT_OF_GAS', `out of gas in ${formatAddress(contract)}.${method}`);
    // The receipt keeps the error text (bounded by runContract): paid for like an event's data.
    gas.consume(CONTRACT_GAS.receiptByte * utf8Length(outcome.error), `${method} error text`);
    throw new TxError('CONTRACT_FAILED', `${formatAddress(contract)}.${method}: ${outcome.error}`);
  }
  return outcome;
}

function moveValue(state: Overlay, tx: ContractTxContext, contract: Uint8Array, value: bigint): void {
  if (value === 0n) return;
  debit(state, tx.sender, value, tx.reserved);
  credit(state, contract, value);
}

/** A receipt event; values a contract chose (its method names, its result) are fitted to the attribute limit. */
function event(type: string, attributes: Record<string, string>): AppEvent {
  return { type, attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: fitUtf8(value, RESULT_LIMITS.attributeValueBytes) })) };
}

/**
 * The receipt's copy of a method's return value. One that does not fit fails the call, as a
 * CometBFT app fails a message whose response it cannot deliver: a cut result would read as
 * a different value, and a note in its place would read as a success the caller cannot use.
 */
function receiptResult(contract: Uint8Array, method: string, resultJson: string, gas: GasMeter): string {
  const bytes = utf8Length(resultJson);
  if (bytes > RESULT_LIMITS.attributeValueBytes) {
    throw new TxError('CONTRACT_RESULT_TOO_LARGE', `${formatAddress(contract)}.${method}: the result is ${bytes} bytes of JSON, more than the ${RESULT_LIMITS.attributeValueBytes} a receipt holds; return less, or store it and return a key`);
  }
  gas.consume(CONTRACT_GAS.receiptByte * bytes, `${method} result`);
  return resultJson;
}

/** A bundle file the host reads as text (a rule or process file); one that is not UTF-8 fails the deploy. */
function fileText(file: BundleFile): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(file.content);
  } catch {
    throw new TxError('CONTRACT_INVALID', `${file.name} is not UTF-8 text`);
  }
}

/**
 * Process files are compiled at deploy too: a definition that does not check out, or a
 * decision naming a rule file the bundle lacks, fails the deploy naming the element.
 */
function compileProcessFiles(files: readonly BundleFile[], gas: GasMeter): void {
  const names = new Set(files.map((f) => f.name));
  const processes = new Map<string, string>();
  for (const file of files.filter((f) => isProcessFile(f.name))) {
    const source = fileText(file);
    try {
      // Compiling is paid as loading is (XML and guard bytes, before the work).
      for (const def of compileProcessFile(file.name, source, (work, bytes) => gas.consume(hostCallGas(`process.${work}`, bytes), `compiling ${file.name}`))) {
        // process.start names a process: two of one name would leave it to the file order.
        const first = processes.get(def.name);
        if (first !== undefined) throw new ProcessDefinitionError(file.name, def.name, `a process of this name is in ${first} too`);
        processes.set(def.name, file.name);
        for (const node of def.nodes.values()) {
          if (node.rules !== null && !names.has(node.rules)) throw new ProcessDefinitionError(file.name, node.name, `its rule file ${node.rules} is not in the bundle`);
        }
      }
    } catch (err) {
      if (err instanceof ProcessDefinitionError) throw new TxError('CONTRACT_INVALID', err.message);
      throw err;
    }
  }
}

export function executeContractMessage(state: Overlay, msg: ContractMsg, tx: ContractTxContext, gas: GasMeter): AppEvent[] {
  const env: CallEnv = { state, height: tx.height, time: tx.time, tx: tx.hash, events: [], stack: [] };
  if (msg.type === 'deployContract') {
    gas.consume(CONTRACT_GAS.deploy + CONTRACT_GAS.deployByte * msg.bundle.length, 'deploy');
    let files: BundleFile[];
    try {
      files = decodeBundle(msg.bundle);
    } catch (err) {
      if (err instanceof DecodeError) throw new TxError('CONTRACT_INVALID', `the bundle is not valid: ${err.message}`);
      throw err;
    }
    // Rule files are compiled now: one that does not compile fails the deploy, not a later call.
    for (const file of files.filter((f) => f.name.endsWith('.drl'))) {
      gas.consume(CONTRACT_GAS.rulesCompileByte * file.content.length, `compiling ${file.name}`);
      const source = fileText(file);
      try {
        compileRules(file.name, source, (parts) => gas.consume(hostCallGas('rules.compile', parts), `compiling ${file.name}`));
      } catch (err) {
        if (err instanceof RuleFileError) throw new TxError('CONTRACT_INVALID', err.message);
        throw err;
      }
    }
    compileProcessFiles(files, gas);
    const hooksFile = files.find((f) => f.name === HOOKS_FILE);
    let hooks: HookDeclaration[] = [];
    if (hooksFile) {
      gas.consume(HOOK_GAS.declarationByte * hooksFile.content.length, `checking ${HOOKS_FILE}`);
      try {
        hooks = parseHooks(hooksFile.content);
      } catch (err) {
        if (err instanceof HookDeclarationError) throw new TxError('CONTRACT_INVALID', err.message);
        throw err;
      }
    }
    const code = new TextDecoder().decode(files.find((f) => f.name === BUNDLE_ENTRY)?.content);
    const address = contractAddress(tx.sender, tx.nonce);
    const listed = runContract(env, address, { sender: formatAddress(tx.sender), value: 0n, method: LIST_EXPORTS, argsJson: '[]', gasLimit: gas.limit - gas.consumed, code });
    gas.consume(listed.gasUsed, 'loading the contract');
    if (!listed.ok) throw new TxError('CONTRACT_INVALID', listed.error);
    const exported = JSON.parse(listed.resultJson) as string[];
    if (exported.length === 0) throw new TxError('CONTRACT_INVALID', `${BUNDLE_ENTRY} exports no functions`);
    for (const hook of hooks) {
      if (hook.trigger.kind === 'method' && !exported.includes(hook.trigger.method)) throw new TxError('CONTRACT_INVALID', `${HOOKS_FILE}: hook "${hook.name}" calls ${hook.trigger.method}, which ${BUNDLE_ENTRY} does not export`);
      if (hook.trigger.kind === 'signal' && !files.some((f) => isProcessFile(f.name))) throw new TxError('CONTRACT_INVALID', `${HOOKS_FILE}: hook "${hook.name}" signals a process, and the bundle has no process file (*.jpdl.xml, *.bpmn)`);
    }
    const hash = bundleHash(msg.bundle);
    state.set(recordKey(address), encodeRecord({ bundleHash: hash, deployer: tx.sender, deployedAt: tx.height }));
    state.set(bundleKey(address), msg.bundle);
    moveValue(state, tx, address, msg.value);
    if (exported.includes('init')) execute(env, address, tx, msg.value, 'init', msg.initArgs === '' ? '[]' : msg.initArgs, code, gas);
    else if (msg.initArgs !== '') throw new TxError('CONTRACT_INVALID', 'init arguments were given but the contract exports no init');
    const deployed = event('contract_deployed', {
      contract: formatAddress(address),
      deployer: formatAddress(tx.sender),
      bundle_hash: Buffer.from(hash).toString('hex'),
      methods: exported.join(','),
    });
    return [deployed, ...env.events];
  }
  gas.consume(CONTRACT_GAS.call, 'call');
  const code = contractCode(state, msg.contract);
  if (code === undefined) throw new TxError('CONTRACT_NOT_FOUND', `no contract at ${formatAddress(msg.contract)}`);
  moveValue(state, tx, msg.contract, msg.value);
  const outcome = execute(env, msg.contract, tx, msg.value, msg.method, msg.args === '' ? '[]' : msg.args, code, gas);
  const result = receiptResult(msg.contract, msg.method, outcome.resultJson, gas);
  return [event('contract_call', { contract: formatAddress(msg.contract), method: msg.method, result }), ...env.events];
}
