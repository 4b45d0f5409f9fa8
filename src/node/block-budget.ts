/**
 * How much of the pool a proposal may take so that validating and applying the block takes no
 * longer than the block time on this node (spec/performance.md, "Overload"). Offered more than
 * the chain can commit, a proposer that took all the consensus limits allow built blocks that
 * took many seconds to validate and apply, rounds timed out meanwhile and the interval grew
 * without bound.
 *
 * The node learns its own speed from the blocks it commits: the milliseconds it spent
 * validating the proposal (its signature checks of transactions it had not seen: most of a
 * validator's cost when its mempool was full) and applying the block, against the gas its
 * transactions asked for and their bytes. Blocks of all proposers count, so the estimate is
 * that of a validator receiving the block, not only of its proposer, which checked the
 * signatures when its mempool took the transactions. Each dimension gets its own rate, as if all of a block's time were due to it, and a
 * proposal must fit both: for a block like the recent ones the two agree, and a block whose
 * mix leans more on one dimension is bounded by that one's rate, which overstates its cost.
 * Gas already charges every byte (txByte), so bytes bound blocks of large cheap transactions.
 *
 * The budget is the proposer's choice, never a validity rule: other nodes check only the
 * consensus limits. A node on a virtual clock (the simulator, where applying takes no time)
 * has none, so its runs stay reproducible.
 */
import type { GasAndBytes } from '../mempool/mempool.js';

/** What applying one block cost. */
export interface AppliedCost {
  /** Sum of the transactions' gas limits (what a proposal counts before executing them). */
  gas: number;
  /** Sum of the transactions' sizes. */
  bytes: number;
  /** Validating the proposal (0 when this node built it) and, from storing the decided block, applying it to the chain state saved, on the node's clock. */
  ms: number;
}


/** Weight of the past per block applied with transactions: about the last three blocks count. */
const DECAY = 0.5;
/** Until blocks with transactions took this long (decayed sum), a proposal holds at most UNLEARNED_SHARE of the consensus limits: too little time to extrapolate from. */
const LEARNED_MS = 10;
export const UNLEARNED_SHARE = 1 / 16;
/** A block that used this share of the budget (gas or bytes) is full enough to learn from. */
const FULL_SHARE = 0.5;
/** The per-block cost is never allowed to leave less than this share of the block time to transactions. */
const MIN_TX_SHARE = 0.25;

export class BlockBudget {
  private ms = 0;
  private gas = 0;
  private bytes = 0;
  /** The cost of a block without transactions (store, commit, state save), from empty blocks. */
  private overheadMs = 0;

  /** @param targetMs the block time: what validating and applying a block may take. */
  constructor(private readonly targetMs: () => number) {}

  /** Whether enough full blocks were timed to extrapolate from; until then proposals hold UNLEARNED_SHARE of the limits. */
  get learned(): boolean {
    return this.ms >= LEARNED_MS;
  }

  /**
   * Learns from a committed block's cost. A block with transactions teaches only if it filled at
   * least half the budget (`hard` as for `limits`): a small block's time is mostly fixed costs
   * no empty block has (a contract runtime's dispatch, a cold cache), and a rate learnt from it
   * would hold the next blocks to a few transactions, which would teach the same, for ever.
   */
  observe(cost: AppliedCost, hard: GasAndBytes): void {
    if (!(cost.ms >= 0) || !Number.isFinite(cost.ms)) return;
    if (cost.gas === 0) {
      this.overheadMs = this.overheadMs === 0 ? cost.ms : this.overheadMs * DECAY + cost.ms * (1 - DECAY);
      return;
    }
    const budget = this.limits(hard);
    if (cost.gas < budget.gas * FULL_SHARE && cost.bytes < budget.bytes * FULL_SHARE) return;
    this.ms = this.ms * DECAY + Math.max(0, cost.ms - this.overheadMs);
    this.gas = this.gas * DECAY + cost.gas;
    this.bytes = this.bytes * DECAY + cost.bytes;
  }

  /**
   * What a proposal may hold, within `hard` (the consensus limits). The mempool lets the first
   * transaction exceed it, so a transaction larger than the budget still gets its own block.
   */
  limits(hard: GasAndBytes): GasAndBytes {
    if (!this.learned) return { gas: Math.floor(hard.gas * UNLEARNED_SHARE), bytes: Math.floor(hard.bytes * UNLEARNED_SHARE) };
    const target = this.targetMs();
    const forTxs = Math.max(target * MIN_TX_SHARE, target - this.overheadMs);
    return {
      gas: Math.min(hard.gas, Math.floor((forTxs * this.gas) / this.ms)),
      bytes: Math.min(hard.bytes, Math.floor((forTxs * this.bytes) / this.ms)),
    };
  }
}

/** A chain whose block time is shorter than this budgets this much: a block must have room for something. */
export const MIN_TARGET_MS = 50;

/** The time a block may take to validate and apply: the block time (the next-block delay), at least MIN_TARGET_MS. */
export function budgetTargetMs(nextBlockDelay: number): number {
  return Math.max(MIN_TARGET_MS, nextBlockDelay / 2);
}
