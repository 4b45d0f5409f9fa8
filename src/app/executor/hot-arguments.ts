/**
 * Learned batching hints: contract-call arguments that name hot rows. When a call's speculative
 * run read a row that an earlier transaction of the block wrote, and one of its arguments is
 * that row's key, the executor remembers (contract, argument); later calls to that contract
 * with that argument go to one batch, where they run in block order and do not conflict. The
 * first block that meets a new hot argument pays its conflicts; hints never change a result.
 */
import { bytesKey, utf8 } from '../../codec/bytes.js';

const MAX_REMEMBERED = 4096;
const MAX_VALUES_PER_CALL = 16;

/** String and number leaves of a JSON arguments array (BigInt tags included), bounded. */
function argumentValues(argsJson: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(argsJson);
  } catch {
    return [];
  }
  const out: string[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (out.length >= MAX_VALUES_PER_CALL || depth > 3) return;
    if (typeof v === 'string' && v.length > 0) out.push(v);
    else if (typeof v === 'number') out.push(String(v));
    else if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(parsed, 0);
  return out;
}

export class HotArguments {
  private readonly hot = new Set<string>();

  /** A call (contract as bytesKey) whose reads of `staleKeys` went stale in its block. */
  learn(contract: string, argsJson: string, staleKeys: readonly string[]): void {
    for (const value of argumentValues(argsJson)) {
      const tail = bytesKey(utf8(value));
      if (!staleKeys.some((k) => k.endsWith(tail))) continue;
      const id = `${contract}\0${value}`;
      this.hot.delete(id);
      this.hot.add(id);
      if (this.hot.size > MAX_REMEMBERED) this.hot.delete(this.hot.values().next().value as string);
    }
  }

  /** Batching hints of a call: one per argument known to name a hot row of that contract. */
  hintsOf(contract: string, argsJson: string): string[] {
    if (this.hot.size === 0) return [];
    return argumentValues(argsJson)
      .map((value) => `${contract}\0${value}`)
      .filter((id) => this.hot.has(id))
      .map((id) => `h${id}`);
  }

  get size(): number {
    return this.hot.size;
  }
}
