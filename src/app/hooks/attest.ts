/**
 * The `attestHook` message (spec/webhooks.md, "Attestations"): a listed attester reports a call
 * to one of a contract's hooks, carrying the body byte for byte. The event (its id is the body's
 * `id`) is delivered once `quorum` attesters carried the same body: the k-th attestation runs the
 * trigger, a method of the contract or a process signal, with at most the hook's gas. After that
 * the event is closed: later attestations are recorded as late, never applied again; an
 * attester's second attestation of one event is a duplicate (same body, nothing changes) or a
 * conflict (another body: recorded in the event and counted against the attester, never counted
 * toward a quorum). A trigger that fails closes the event as failed; its writes are dropped.
 */
import { toHex } from '../../codec/bytes.js';
import { hookSignBytes } from '../../codec/hook.js';
import { sha256 } from '../../codec/hash.js';
import type { AppEvent } from '../../codec/results.js';
import type { Msg } from '../../codec/tx.js';
import { fitUtf8 } from '../../codec/utf8-fit.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { verify } from '../../crypto/ed25519.js';
import { ContractAbort } from '../../contracts/sandbox-types.js';
import type { Overlay } from '../../state/overlay.js';
import { runContract, type CallEnv } from '../contracts/contract-host.js';
import { hostCallGas } from '../contracts/gas-schedule.js';
import { contractCode, contractHooksFile } from '../contracts/records.js';
import { TxError } from '../errors.js';
import { GasMeter } from '../gas.js';
import { ContractProcesses } from '../process/operations.js';
import { hookDeclarations, hookBodyError, HOOK_GAS, type HookBody } from './events.js';
import { HookDeclarationError, type HookDeclaration } from './declaration.js';
import { countConflict, hookAccount, readHookEvent, setOwed, SMALL_ROW_BYTES, takeOwed, writeHookEvent, type HookEventRecord } from './records.js';
import { readAccount, writeAccount } from '../bank/accounts.js';

export type AttestHookMsg = Extract<Msg, { type: 'attestHook' }>;

export interface AttestationContext {
  sender: Uint8Array;
  chainId: string;
  height: number;
  time: number;
  /** The transaction's hash, upper-case hex. */
  hash: string;
  /** The transaction's gas price, and the block's base fee: a fee is paid back at no more than REFUND_PRICE_FACTOR x the base fee. */
  gasPrice: bigint;
  baseFee: bigint;
}

/** A fee is paid back at the attester's gas price, but never above this many times the block's base fee. */
export const REFUND_PRICE_FACTOR = 2n;

function attributes(values: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(values).map(([key, value]) => ({ key, value: fitUtf8(value, 256) }));
}

function authenticate(hook: HookDeclaration, msg: AttestHookMsg, chainId: string, gas: GasMeter): void {
  if (hook.auth.kind === 'hmac') {
    // The chain cannot check an HMAC (only operators hold the secret): a signature here is a mistake.
    if (msg.signature.length !== 0) throw new TxError('HOOK_BAD_SIGNATURE', `hook "${hook.name}" is an HMAC hook: an attestation carries no signature`);
    return;
  }
  if (msg.signature.length !== 64) throw new TxError('HOOK_BAD_SIGNATURE', `hook "${hook.name}" needs the caller's Ed25519 signature (64 bytes)`);
  const signed = hookSignBytes(chainId, msg.contract, msg.hook, msg.body);
  for (const key of hook.auth.keys) {
    gas.consume(HOOK_GAS.verify, 'caller signature');
    if (verify(key, signed, msg.signature)) return;
  }
  throw new TxError('HOOK_BAD_SIGNATURE', `the caller's signature does not verify under any key of hook "${hook.name}"`);
}

/** Runs the hook's trigger on a child of `state` with at most the hook's gas; the error text if it failed (its writes dropped). */
function runTrigger(state: Overlay, msg: AttestHookMsg, hook: HookDeclaration, body: HookBody, record: HookEventRecord, payloadHash: string, ctx: AttestationContext, gas: GasMeter, events: AppEvent[]): string | undefined {
  const child = state.child();
  const meter = new GasMeter(Math.min(hook.gas, gas.limit - gas.consumed));
  const env: CallEnv = { state: child, height: ctx.height, time: ctx.time, tx: ctx.hash, events: [], stack: [] };
  let error: string | undefined;
  try {
    if (hook.trigger.kind === 'method') {
      const code = contractCode(child, msg.contract);
      if (code === undefined) throw new ContractAbort('the contract is gone');
      meter.consume(hostCallGas('call', 0), 'hook call');
      const outcome = runContract(env, msg.contract, {
        sender: formatAddress(hookAccount(msg.contract)),
        value: 0n,
        method: hook.trigger.method,
        argsJson: JSON.stringify([body.payload]),
        gasLimit: meter.limit - meter.consumed,
        code,
        hook: { name: hook.name, id: body.id, payloadHash, attesters: record.votes[payloadHash] ?? [] },
      });
      meter.consume(outcome.gasUsed, 'hook method');
      if (!outcome.ok) error = outcome.error;
    } else {
      const processes = new ContractProcesses({ state: child, contract: msg.contract, height: ctx.height, time: ctx.time, tx: ctx.hash, charge: (what, units) => meter.consume(hostCallGas(what, units), what) });
      // The data lands under the hook's name only: an outside caller never overwrites the contract's own variables.
      processes.operation('process.signal', body.instance ?? '', hook.trigger.transition, JSON.stringify({ [hook.name]: { ...(body.data ?? {}), id: body.id } }));
    }
  } catch (err) {
    if (err instanceof ContractAbort) error = err.message;
    else if (err instanceof TxError) error = err.code === 'OUT_OF_GAS' ? `out of gas (the hook's gas is ${hook.gas})` : err.message;
    else throw err;
  }
  gas.consume(meter.consumed, 'hook trigger');
  if (error !== undefined) return fitUtf8(error, 512);
  child.mergeIntoParent();
  events.push(...env.events);
  return undefined;
}

/** The price a fee is paid back at. */
function refundPrice(ctx: AttestationContext): bigint {
  const cap = REFUND_PRICE_FACTOR * ctx.baseFee;
  return ctx.gasPrice < cap ? ctx.gasPrice : cap;
}

/** Moves up to `amount` from the contract's hook account to `to`; what it moved. */
function payBack(state: Overlay, contract: Uint8Array, to: Uint8Array, amount: bigint): bigint {
  const account = hookAccount(contract);
  const from = readAccount(state, account);
  const paid = from.balance < amount ? from.balance : amount;
  if (paid > 0n) {
    writeAccount(state, account, { ...from, balance: from.balance - paid });
    const payee = readAccount(state, to);
    writeAccount(state, to, { ...payee, balance: payee.balance + paid });
  }
  return paid;
}

function refundEvent(contract: string, attester: string, amount: bigint): AppEvent {
  return { type: 'hook_refund', attributes: attributes({ contract, attester, amount: amount.toString() }) };
}

/**
 * Pays this attestation's own fee back, as the last work of the message (nothing is charged
 * after it, so the gas used so far is the transaction's): gasUsed x the refund price.
 */
function refundOwn(state: Overlay, msg: AttestHookMsg, ctx: AttestationContext, gas: GasMeter, events: AppEvent[]): void {
  gas.consume(HOOK_GAS.refund, 'fee refund');
  const paid = payBack(state, msg.contract, ctx.sender, BigInt(gas.consumed) * refundPrice(ctx));
  events.push(refundEvent(formatAddress(msg.contract), formatAddress(ctx.sender), paid));
}

/** A vote waiting for its body to reach k: what it cost is owed to it (the last work of the message too). */
function oweOwn(state: Overlay, msg: AttestHookMsg, hook: string, id: string, ctx: AttestationContext, gas: GasMeter): void {
  gas.consume(HOOK_GAS.write + HOOK_GAS.writeByte * (SMALL_ROW_BYTES + 200), 'fee owed');
  setOwed(state, msg.contract, hook, id, ctx.sender, BigInt(gas.consumed) * refundPrice(ctx));
}

/** The k-th vote pays back the votes before it for the same body, from the hook account. */
function payVoters(state: Overlay, msg: AttestHookMsg, hook: string, id: string, voters: readonly string[], ctx: AttestationContext, gas: GasMeter, events: AppEvent[]): void {
  for (const voter of voters) {
    if (voter === formatAddress(ctx.sender)) continue;
    gas.consume(HOOK_GAS.refund, 'fee refund');
    const owed = takeOwed(state, msg.contract, hook, id, parseAddress(voter));
    if (owed > 0n) events.push(refundEvent(formatAddress(msg.contract), voter, payBack(state, msg.contract, parseAddress(voter), owed)));
  }
}

function declaredHooks(file: string, gas: GasMeter): HookDeclaration[] {
  try {
    return hookDeclarations(file, (units) => gas.consume(units, 'hooks.json'));
  } catch (err) {
    // Every deployed file checked at deploy; one that does not now must not halt the chain.
    if (err instanceof HookDeclarationError) throw new TxError('HOOK_UNKNOWN', err.message);
    throw err;
  }
}

export function executeAttestation(state: Overlay, msg: AttestHookMsg, ctx: AttestationContext, gas: GasMeter): AppEvent[] {
  gas.consume(HOOK_GAS.attest + HOOK_GAS.bodyByte * msg.body.length, 'attestation');
  const contract = formatAddress(msg.contract);
  const file = contractHooksFile(state, msg.contract);
  if (file === undefined) throw new TxError('HOOK_UNKNOWN', `${contract} declares no hooks (no contract there, or no hooks.json in its bundle)`);
  const hook = declaredHooks(file, gas).find((h) => h.name === msg.hook);
  if (!hook) throw new TxError('HOOK_UNKNOWN', `${contract} has no hook "${msg.hook}"`);
  const attester = formatAddress(ctx.sender);
  if (!hook.attesters.includes(attester)) throw new TxError('HOOK_NOT_ATTESTER', `${attester} is not an attester of hook "${hook.name}" of ${contract}`);
  authenticate(hook, msg, ctx.chainId, gas);
  const parsed = hookBodyError(msg.body, hook.trigger.kind);
  if (typeof parsed === 'string') throw new TxError('HOOK_BAD_BODY', parsed);
  const body = parsed;
  const payloadHash = toHex(sha256(msg.body));
  gas.consume(HOOK_GAS.read, 'event record');
  const record: HookEventRecord = readHookEvent(state, msg.contract, hook.name, body.id, (bytes) => gas.consume(HOOK_GAS.readByte * bytes, 'event record')) ?? { status: 'pending', votes: {}, conflicts: [], since: ctx.height };
  const events: AppEvent[] = [];
  const report = (status: string): AppEvent => ({ type: 'hook_attestation', attributes: attributes({ contract, hook: hook.name, id: body.id, attester, payload_hash: payloadHash, status }) });
  const writeRecord = (): void => gas.consume(HOOK_GAS.write + HOOK_GAS.writeByte * writeHookEvent(state, msg.contract, hook.name, body.id, record), 'event record');

  const earlier = Object.entries(record.votes).find(([, who]) => who.includes(attester));
  if (earlier && earlier[0] === payloadHash) return [report('duplicate')];
  if (earlier) {
    // A second payload for one event from one attester: the first is kept as evidence (one per
    // attester, so the record stays bounded), none is ever counted or paid back.
    if (!record.conflicts.some((c) => c.attester === attester)) {
      record.conflicts.push({ attester, payloadHash, height: ctx.height });
      gas.consume(HOOK_GAS.read + HOOK_GAS.write + HOOK_GAS.writeByte * SMALL_ROW_BYTES, 'conflict count');
      countConflict(state, msg.contract, ctx.sender);
      writeRecord();
    }
    return [report('conflicting')];
  }
  const voters = (record.votes[payloadHash] ??= []);
  voters.push(attester);
  if (record.status !== 'pending') {
    // Late: the event was real (it closed), so the vote is paid back at once; nothing runs.
    writeRecord();
    events.push(report('late'));
    refundOwn(state, msg, ctx, gas, events);
    return events;
  }
  if (voters.length < hook.quorum) {
    // Waiting: paid back only if this body reaches the quorum, so votes nobody joins (an event
    // an attester made up) cost the hook account nothing.
    writeRecord();
    oweOwn(state, msg, hook.name, body.id, ctx, gas);
    return [report('accepted')];
  }
  const error = runTrigger(state, msg, hook, body, record, payloadHash, ctx, gas, events);
  record.status = error === undefined ? 'applied' : 'failed';
  record.outcome = { payloadHash, height: ctx.height, tx: ctx.hash, ...(error === undefined ? {} : { error }) };
  events.unshift(report(record.status), { type: 'hook_event', attributes: attributes({ contract, hook: hook.name, id: body.id, payload_hash: payloadHash, status: record.status, ...(error === undefined ? {} : { error }) }) });
  writeRecord();
  payVoters(state, msg, hook.name, body.id, voters, ctx, gas, events);
  refundOwn(state, msg, ctx, gas, events);
  return events;
}
