/** The line above the node table: the chain, the tip, who is up, who is behind. */
import type { Liveness } from './liveness.js';
import type { NodeSnapshot } from './node-info.js';

/** A node more heights than this below the tip is shown as behind. */
export const BEHIND_AFTER = 2;

export interface RosterSummary {
  /** Every chain id the nodes report (more than one is a misconfigured roster). */
  chainIds: string[];
  /** The highest height any node has reported; 0 before any answer. */
  maxHeight: number;
  up: number;
  down: number;
  unknown: number;
  behind: number;
  /** Date.getTime() of the newest block any node reported; NaN before any. */
  tipTime: number;
}

/** No new block for this long looks like a stalled chain (a testnet makes one every second or so). */
export const STALLED_AFTER_MS = 10_000;

export function heightsBehind(height: number, maxHeight: number): number {
  return Math.max(0, maxHeight - height);
}

export function isBehind(height: number, maxHeight: number): boolean {
  return heightsBehind(height, maxHeight) > BEHIND_AFTER;
}

export function summarize(nodes: Liveness<NodeSnapshot>[]): RosterSummary {
  const chainIds = new Set<string>();
  let maxHeight = 0;
  let tipTime = NaN;
  for (const n of nodes) {
    if (!n.last) continue;
    if (n.last.chainId) chainIds.add(n.last.chainId);
    maxHeight = Math.max(maxHeight, n.last.height);
    if (!Number.isNaN(n.last.blockTime) && !(n.last.blockTime <= tipTime)) tipTime = n.last.blockTime;
  }
  const count = (s: string): number => nodes.filter((n) => n.status === s).length;
  const behind = nodes.filter((n) => n.status === 'up' && n.last && isBehind(n.last.height, maxHeight)).length;
  return { chainIds: [...chainIds].sort(), maxHeight, up: count('up'), down: count('down'), unknown: count('unknown'), behind, tipTime };
}
