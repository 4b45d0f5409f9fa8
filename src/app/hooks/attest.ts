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
import { formatAddress } from '../../crypto/address.js';
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
import type { HookDeclaration } from './declaration.js';
import { countConflict, hookAccount, readHookEvent, writeHookEvent, type HookEventRecord } from './records.js';

export type AttestHookMsg = Extract<Msg, { type: 'attestHook' }>;

export interface AttestationContext {
  sender: Uint8Array;
  height: number;
  time: number;
  /** The transaction's hash, upper-case hex. */
  hash: string;
}

export interface Attested {
  events: AppEvent[];
  /** The attestation counts (first of its attester for the event): its fee is paid back from the hook account. */
  refund: boolean;
}

function attributes(values: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(values).map(([key, value]) => ({ key, value: fitUtf8(value, 256) }));
}

function authenticate(hook: HookDeclaration, msg: AttestHookMsg, gas: GasMeter): void {
  if (hook.auth.kind === 'hmac') {
    // The chain cannot check an HMAC (only operators hold the secret): a signature here is a mistake.
    if (msg.signature.length !== 0) throw new TxError('HOOK_BAD_SIGNATURE', `hook "${hook.name}" is an HMAC hook: an attestation carries no signature`);
    return;
  }
  if (msg.signature.length !== 64) throw new TxError('HOOK_BAD_SIGNATURE', `hook "${hook.name}" needs the caller's Ed25519 signature (64 bytes)`);
  const signed = hookSignBytes(msg.contract, msg.hook, msg.body);
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
      processes.operation('process.signal', body.instance ?? '', hook.trigger.transition, JSON.stringify({ [hook.name]: { id: body.id, ...(body.data ?? {}) } }));
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

export function executeAttestation(state: Overlay, msg: AttestHookMsg, ctx: AttestationContext, gas: GasMeter): Attested {
  gas.consume(HOOK_GAS.attest + HOOK_GAS.bodyByte * msg.body.length, 'attestation');
  const contract = formatAddress(msg.contract);
  const file = contractHooksFile(state, msg.contract);
  if (file === undefined) throw new TxError('HOOK_UNKNOWN', `${contract} declares no hooks (no contract there, or no hooks.json in its bundle)`);
  const hook = hookDeclarations(file, (units) => gas.consume(units, 'hooks.json')).find((h) => h.name === msg.hook);
  if (!hook) throw new TxError('HOOK_UNKNOWN', `${contract} has no hook "${msg.hook}"`);
  const attester = formatAddress(ctx.sender);
  if (!hook.attesters.includes(attester)) throw new TxError('HOOK_NOT_ATTESTER', `${attester} is not an attester of hook "${hook.name}" of ${contract}`);
  authenticate(hook, msg, gas);
  const parsed = hookBodyError(msg.body, hook.trigger.kind);
  if (typeof parsed === 'string') throw new TxError('HOOK_BAD_BODY', parsed);
  const body = parsed;
  const payloadHash = toHex(sha256(msg.body));
  gas.consume(HOOK_GAS.read, 'event record');
  const record: HookEventRecord = readHookEvent(state, msg.contract, hook.name, body.id, (bytes) => gas.consume(HOOK_GAS.readByte * bytes, 'event record')) ?? { status: 'pending', votes: {}, conflicts: [], since: ctx.height };
  const events: AppEvent[] = [];
  const report = (status: string): AppEvent => ({ type: 'hook_attestation', attributes: attributes({ contract, hook: hook.name, id: body.id, attester, payload_hash: payloadHash, status }) });

  const earlier = Object.entries(record.votes).find(([, who]) => who.includes(attester));
  if (earlier && earlier[0] === payloadHash) return { events: [report('duplicate')], refund: false };
  if (earlier) {
    // A second payload for one event from one attester: the first is kept as evidence (one per
    // attester, so the record stays bounded), none is ever counted.
    if (!record.conflicts.some((c) => c.attester === attester)) {
      record.conflicts.push({ attester, payloadHash, height: ctx.height });
      countConflict(state, msg.contract, attester);
      gas.consume(HOOK_GAS.write + HOOK_GAS.writeByte * writeHookEvent(state, msg.contract, hook.name, body.id, record), 'event record');
    }
    return { events: [report('conflicting')], refund: false };
  }
  (record.votes[payloadHash] ??= []).push(attester);
  let status = record.status === 'pending' ? 'accepted' : 'late';
  if (record.status === 'pending' && (record.votes[payloadHash]?.length ?? 0) >= hook.quorum) {
    const error = runTrigger(state, msg, hook, body, record, payloadHash, ctx, gas, events);
    record.status = error === undefined ? 'applied' : 'failed';
    record.outcome = { payloadHash, height: ctx.height, tx: ctx.hash, ...(error === undefined ? {} : { error }) };
    status = record.status;
    events.unshift({ type: 'hook_event', attributes: attributes({ contract, hook: hook.name, id: body.id, payload_hash: payloadHash, status: record.status, ...(error === undefined ? {} : { error }) }) });
  }
  gas.consume(HOOK_GAS.write + HOOK_GAS.writeByte * writeHookEvent(state, msg.contract, hook.name, body.id, record), 'event record');
  return { events: [report(status), ...events], refund: true };
}
