/**
 * Batches for speculative execution. Transactions that probably touch the same keys go to the
 * same batch, where they run in block order and see each other's writes, so they do not
 * conflict; the rest is spread over the threads by weight. The hints are guesses: the read
 * sets captured during execution decide what commits (commit-rule.ts), so a wrong guess costs
 * speed, never correctness.
 *
 * Hints of a transaction: its sender (nonce and balance), a transfer's recipient, and for a
 * contract call the call itself (contract, method, arguments: identical calls tend to touch
 * the same rows) and each argument learned to name a hot row (hot-arguments.ts). Staking and
 * governance messages share records, so they share one hint.
 */
import { bytesKey } from '../../codec/bytes.js';
import type { DecodeTx } from '../tx-decoder.js';
import type { HotArguments } from './hot-arguments.js';

/** A contract call costs about twenty transfers (a QuickJS runtime per call). */
const CONTRACT_WEIGHT = 20;

function hintsOf(tx: Uint8Array, decode: DecodeTx, hot: HotArguments | undefined): { hints: string[]; weight: number } {
  try {
    const { tx: signed, sender } = decode(tx);
    const msg = signed.body.msg;
    const hints = [`s${bytesKey(sender)}`];
    if (msg.type === 'transfer') return { hints: [...hints, `s${bytesKey(msg.to)}`], weight: 1 };
    if (msg.type === 'callContract') {
      const contract = bytesKey(msg.contract);
      return { hints: [...hints, `c${contract}${msg.method}\0${msg.args}`, ...(hot?.hintsOf(contract, msg.args) ?? [])], weight: CONTRACT_WEIGHT };
    }
    if (msg.type === 'deployContract') return { hints, weight: CONTRACT_WEIGHT };
    // Attestations of one contract's hooks share its event records and deposit, and may run it.
    if (msg.type === 'attestHook') return { hints: [...hints, `h${bytesKey(msg.contract)}`], weight: CONTRACT_WEIGHT };
    // Every registration appends to the one file index (its count key): they share a batch.
    if (msg.type === 'registerFile') return { hints: [...hints, 'files'], weight: 1 };
    return { hints: [...hints, 'staking'], weight: 1 };
  } catch {
    return { hints: [], weight: 1 };
  }
}

function find(parent: number[], i: number): number {
  let root = i;
  while (parent[root] !== root) root = parent[root] as number;
  while (parent[i] !== root) {
    const next = parent[i] as number;
    parent[i] = root;
    i = next;
  }
  return root;
}

/** At most `batches` lists of block indexes, each ascending; together every index once. */
export function planBatches(txs: readonly Uint8Array[], decode: DecodeTx, batches: number, hot?: HotArguments): number[][] {
  const parent = txs.map((_, i) => i);
  const weight = new Array<number>(txs.length).fill(0);
  const owner = new Map<string, number>();
  txs.forEach((tx, i) => {
    const { hints, weight: w } = hintsOf(tx, decode, hot);
    weight[i] = w;
    for (const hint of hints) {
      const seen = owner.get(hint);
      if (seen === undefined) owner.set(hint, i);
      else parent[find(parent, i)] = find(parent, seen);
    }
  });
  const groups = new Map<number, { indexes: number[]; weight: number }>();
  txs.forEach((_, i) => {
    const root = find(parent, i);
    let group = groups.get(root);
    if (!group) groups.set(root, (group = { indexes: [], weight: 0 }));
    group.indexes.push(i);
    group.weight += weight[i] as number;
  });
  // Heaviest group first onto the lightest batch (LPT); ties by first index, so the plan is a
  // function of the block alone.
  const ordered = [...groups.values()].sort((a, b) => b.weight - a.weight || (a.indexes[0] as number) - (b.indexes[0] as number));
  const plan = Array.from({ length: Math.max(1, batches) }, () => ({ indexes: [] as number[], weight: 0 }));
  for (const group of ordered) {
    const lightest = plan.reduce((best, b) => (b.weight < best.weight ? b : best));
    lightest.indexes.push(...group.indexes);
    lightest.weight += group.weight;
  }
  return plan.filter((b) => b.indexes.length > 0).map((b) => b.indexes.sort((x, y) => x - y));
}
