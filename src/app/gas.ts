/** Gas counts work, never time: a re-run of the same transaction charges the same gas. */
import { TxError } from './errors.js';

/**
 * Gas per byte of a list record a message rewrites whole (candidates, voters, open proposals,
 * an unbonding queue): what a contract pays per byte it writes. Such records grow with the
 * state, so a fixed price per message would let a sender make every node rewrite kilobytes.
 */
export const REWRITE_GAS_PER_BYTE = 50;

export class GasMeter {
  private used = 0;

  constructor(readonly limit: number) {}

  get consumed(): number {
    return this.used;
  }

  /** Charges `amount`; past the limit the meter stays at the limit and the transaction fails. */
  consume(amount: number, what: string): void {
    if (this.used + amount > this.limit) {
      this.used = this.limit;
      throw new TxError('OUT_OF_GAS', `out of gas: ${what} needs ${amount} more gas, limit is ${this.limit}`);
    }
    this.used += amount;
  }
}
