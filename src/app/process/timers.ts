/**
 * Process timers fired by the chain (spec/processes.md, "Timers"): at the start of each block,
 * before its transactions, the queue's timers due by the block's height or time fire in queue
 * order (heights, then times; within each by due, contract, instance, token), at most
 * TIMERS_PER_BLOCK a block (the rest wait for the next). A firing's gas is paid at the block's
 * base fee from the instance's deposit and joins the block's fees; one the deposit cannot pay
 * (or that needs more than TIMER_GAS_LIMIT) changes nothing but this: the instance is suspended,
 * its deposit spent, until a `process.deposit` resumes it.
 */
import { utf8 } from '../../codec/bytes.js';
import type { AppEvent } from '../../codec/results.js';
import { formatAddress } from '../../crypto/address.js';
import { fireTimer, ProcessRefusal, type ProcessInstance } from '../../process/instance.js';
import { Overlay } from '../../state/overlay.js';
import { hostCallGas } from '../contracts/gas-schedule.js';
import { TxError } from '../errors.js';
import { GasMeter } from '../gas.js';
import { contractDefinitions, keep, stepContext, type RequestEnv } from './instances.js';
import { addToProcessDeposits, dueTimers, readInstance, timerKey, writeInstance } from './records.js';

export const TIMERS_PER_BLOCK = 256;
export const TIMER_GAS_LIMIT = 5_000_000;

export interface FiredTimers {
  /** What the firings paid from deposits: the block's fees grow by it. */
  fees: bigint;
  events: AppEvent[];
}

export function fireProcessTimers(block: Overlay, height: number, time: number, gasPrice: bigint): FiredTimers {
  const out: FiredTimers = { fees: 0n, events: [] };
  for (const entry of dueTimers(block, height, time, TIMERS_PER_BLOCK)) {
    block.delete(timerKey(entry));
    const instance = readInstance(block, entry.contract, entry.instance);
    if (!instance || instance.status !== 'active') continue;
    const { definitions, bytes } = contractDefinitions(block, entry.contract);
    const def = definitions.find((d) => d.name === instance.process);
    if (!def) continue;
    const deposit = BigInt(instance.deposit);
    const allowance = gasPrice > 0n ? Number(deposit / gasPrice < BigInt(TIMER_GAS_LIMIT) ? deposit / gasPrice : BigInt(TIMER_GAS_LIMIT)) : TIMER_GAS_LIMIT;
    const meter = new GasMeter(allowance);
    const attempt = new Overlay(block);
    const env: RequestEnv = { state: attempt, contract: entry.contract, height, time, tx: '', charge: (what, units) => meter.consume(hostCallGas(what, units), what) };
    const event = (status: string, extra: Record<string, string>): void =>
      void out.events.push({
        type: 'process_timer',
        attributes: Object.entries({ contract: formatAddress(entry.contract), instance: instance.id, token: String(entry.token), status, ...extra }).map(([key, value]) => ({ key, value })),
      });
    try {
      env.charge('process.open', bytes);
      const fired = fireTimer(def, instance, entry.token, stepContext(env));
      if (!fired) continue;
      keep(env, def, instance, fired.instance, fired.steps);
      const cost = BigInt(meter.consumed) * gasPrice;
      const paid: ProcessInstance = { ...fired.instance, deposit: String(deposit - cost) };
      writeInstance(attempt, entry.contract, paid, utf8(JSON.stringify(paid)));
      attempt.mergeIntoParent();
      addToProcessDeposits(block, -cost);
      out.fees += cost;
      event(paid.status, { gas: String(meter.consumed), fee: cost.toString(), steps: String(fired.steps.length) });
    } catch (err) {
      const outOfGas = err instanceof TxError && err.code === 'OUT_OF_GAS';
      if (!outOfGas && !(err instanceof ProcessRefusal)) throw err;
      // Nothing of the firing stays; what it used is paid, and the instance waits for a deposit.
      const cost = BigInt(meter.consumed) * gasPrice;
      const suspended: ProcessInstance = { ...instance, status: 'suspended', deposit: String(deposit - cost) };
      writeInstance(block, entry.contract, suspended, utf8(JSON.stringify(suspended)));
      addToProcessDeposits(block, -cost);
      out.fees += cost;
      event('suspended', { gas: String(meter.consumed), fee: cost.toString(), reason: err.message.slice(0, 200) });
    }
  }
  return out;
}
