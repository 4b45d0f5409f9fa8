/**
 * The gas and bytes the mempool holds at or above a gas price: what a proposal takes before a
 * transaction of that price. The node refuses its own client's transaction only when these
 * already fill its next blocks, so a client can always get in by paying more than what is
 * pending (a fee auction) and a sender who stuffs the pool at one price locks out nobody who
 * pays more.
 *
 * Prices fall in buckets of 1/16 of a power of two (a price and one 6.25% above it may share
 * one), summed in Fenwick trees: every update and query costs O(log buckets) whatever the
 * number of distinct prices a sender invents.
 */

/** 16 buckets per power of two, for prices up to 2^256 (the largest amount). */
const SUB_BITS = 4;
const BUCKETS = (257 << SUB_BITS) + 1;

/** The bucket of a price: its bit length and the 4 bits after its leading one. */
export function priceBucket(price: bigint): number {
  if (price <= 0n) return 0;
  const hex = price.toString(16);
  const lead = Number.parseInt(hex[0] as string, 16);
  const bits = (hex.length - 1) * 4 + (32 - Math.clz32(lead));
  if (bits <= SUB_BITS) return Number(price);
  const mantissa = Number((price >> BigInt(bits - 1 - SUB_BITS)) & BigInt((1 << SUB_BITS) - 1));
  return Math.min(BUCKETS - 1, (bits << SUB_BITS) + mantissa);
}

class Fenwick {
  private readonly tree = new Float64Array(BUCKETS + 1);
  private total = 0;

  add(bucket: number, amount: number): void {
    this.total += amount;
    for (let i = bucket + 1; i <= BUCKETS; i += i & -i) this.tree[i] = (this.tree[i] as number) + amount;
  }

  /** Sum over buckets below `bucket`. */
  below(bucket: number): number {
    let sum = 0;
    for (let i = bucket; i > 0; i -= i & -i) sum += this.tree[i] as number;
    return sum;
  }

  atOrAbove(bucket: number): number {
    return this.total - this.below(bucket);
  }
}

export class PriceLevels {
  private readonly gas = new Fenwick();
  private readonly bytes = new Fenwick();

  /** Adds (`sign` 1) or removes (-1) a transaction's gas limit and size at its price. */
  change(price: bigint, gas: number, bytes: number, sign: 1 | -1): void {
    const bucket = priceBucket(price);
    this.gas.add(bucket, sign * gas);
    this.bytes.add(bucket, sign * bytes);
  }

  /** Gas and bytes held at `price`'s bucket or above. */
  atOrAbove(price: bigint): { gas: number; bytes: number } {
    const bucket = priceBucket(price);
    return { gas: this.gas.atOrAbove(bucket), bytes: this.bytes.atOrAbove(bucket) };
  }
}
