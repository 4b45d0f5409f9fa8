/** Gas counts work, never time: a re-run of the same transaction charges the same gas. */
import { TxError } from './errors.js';

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
