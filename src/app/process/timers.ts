/**
 * Process timers fired by the chain (spec/processes.md, "Timers"): at the start of each block,
 * before its transactions, the queue's timers due by the block's height or time fire in queue
 * order (heights, then times; within each by due, contract, instance, token), at most
 * TIMERS_PER_BLOCK a block and within a quarter of its gas limit (the rest wait for the next).
 * A firing's gas is paid at the block's base fee from the instance's deposit and joins the
 * block's fees and gas used; one the deposit cannot pay (or that needs more than
 * TIMER_GAS_LIMIT) changes nothing but this: the instance is suspended, what it used paid,
 * until a `process.deposit` resumes it. An instance a timer ends gets the rest of its deposit
 * back to its contract.
 */
import { utf8 } from '../../codec/bytes.js';
import type { AppEvent } from '../../codec/results.js';
import { formatAddress } from '../../crypto/address.js';
import { fireTimer, ProcessRefusal, type ProcessInstance } from '../../process/instance.js';
import { Overlay } from '../../state/overlay.js';
import { hostCallGas } from '../contracts/gas-schedule.js';
import { TxError } from '../errors.js';
import { GasMeter } from '../gas.js';
import { contractDefinitions, keep, refundEnded, stepContext, type RequestEnv } from './instances.js';
import { addToProcessDeposits, dueTimers, readInstance, timerKey, writeInstance } from './records.js';

/** Timers fired at most per block, and the gas one firing may use. */
export const TIMERS_PER_BLOCK = 256;
export const TIMER_GAS_LIMIT = 1_000_000;

export interface FiredTimers {
  /** What the firings paid from deposits: the block's fees grow by it. */
  fees: bigint;
  /** The gas they used: counted with the transactions' toward the base fee. */
  gasUsed: number;
  events: AppEvent[];
}

/**
 * Fires the due timers, within `budget` gas for the block (a quarter of the block's gas limit:
 * timers cannot crowd out transactions): a timer is fired only while a whole TIMER_GAS_LIMIT
 * is left of it; the rest stay queued for the next block.
 */
export function fireProcessTimers(block: Overlay, height: number, time: number, gasPrice: bigint, budget: number): FiredTimers {
  const out: FiredTimers = { fees: 0n, gasUsed: 0, events: [] };
  for (const entry of dueTimers(block, height, time, TIMERS_PER_BLOCK)) {
    if (budget - out.gasUsed < TIMER_GAS_LIMIT) break;
    block.delete(timerKey(entry));
    // Read unpaid, but bounded: at most TIMERS_PER_BLOCK rows of at most 64 KiB a block.
    const instance = readInstance(block, entry.contract, entry.instance);
    if (!instance || instance.status !== 'active') continue;
    const deposit = BigInt(instance.deposit);
    const affordable = gasPrice > 0n ? deposit / gasPrice : BigInt(TIMER_GAS_LIMIT);
    const meter = new GasMeter(affordable < BigInt(TIMER_GAS_LIMIT) ? Number(affordable) : TIMER_GAS_LIMIT);
    const attempt = new Overlay(block);
    const env: RequestEnv = { state: attempt, contract: entry.contract, height, time, tx: '', charge: (what, units) => meter.consume(hostCallGas(what, units), what) };
    const event = (status: string, extra: Record<string, string>): void =>
      void out.events.push({
        type: 'process_timer',
        attributes: Object.entries({ contract: formatAddress(entry.contract), instance: instance.id, token: String(entry.token), status, ...extra }).map(([key, value]) => ({ key, value })),
      });
    try {
      const def = contractDefinitions(attempt, entry.contract, env.charge).find((d) => d.name === instance.process);
      if (!def) continue;
      const fired = fireTimer(def, instance, entry.token, stepContext(env));
      if (!fired) continue;
      keep(env, def, instance, fired.instance, fired.steps);
      const cost = BigInt(meter.consumed) * gasPrice;
      // The fee from the deposit; an instance the timer ended gets the rest back to its contract.
      const paid = refundEnded(attempt, entry.contract, { ...fired.instance, deposit: String(deposit - cost) });
      writeInstance(attempt, entry.contract, paid, utf8(JSON.stringify(paid)));
      attempt.mergeIntoParent();
      addToProcessDeposits(block, -cost);
      out.fees += cost;
      out.gasUsed += meter.consumed;
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
      out.gasUsed += meter.consumed;
      event('suspended', { gas: String(meter.consumed), fee: cost.toString(), reason: err.message.slice(0, 200) });
    }
  }
  return out;
}
