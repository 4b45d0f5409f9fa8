/** What executing a block produced: per-transaction results, events, validator and parameter updates. */
import { merkleRoot } from './merkle.js';
import { encode, list, safeUint, struct, text, type Infer } from './schema.js';

export const EventAttribute = struct('EventAttribute', {
  key: text(128),
  value: text(4096),
});

export const AppEvent = struct('Event', {
  type: text(128),
  attributes: list(EventAttribute, 64),
});
export type AppEvent = Infer<typeof AppEvent>;

export const TxResult = struct('TxResult', {
  /** 0 is success; other codes are listed in spec/errors.md. */
  code: safeUint,
  codespace: text(64),
  /** Human-readable; NOT part of the results hash, so wording can improve without a fork. */
  log: text(4096),
  gasWanted: safeUint,
  gasUsed: safeUint,
  events: list(AppEvent, 1024),
});
export type TxResult = Infer<typeof TxResult>;

/**
 * What the results hash covers, as CometBFT's ExecTxResult hash does (code, data, gas wanted,
 * gas used): the outcome, not its description. Events are left out like the log: they are
 * stored and served, but a better-worded event is no fork, and hashing them for every
 * transaction of every block was a quarter of a node's CPU under load.
 */
const DeterministicTxResult = struct('DeterministicTxResult', {
  code: safeUint,
  codespace: text(64),
  gasWanted: safeUint,
  gasUsed: safeUint,
});

/** The header's lastResultsHash: Merkle root of the deterministic part of each result. */
export function resultsHash(results: readonly TxResult[]): Uint8Array {
  return merkleRoot(results.map((r) => encode(DeterministicTxResult, { code: r.code, codespace: r.codespace, gasWanted: r.gasWanted, gasUsed: r.gasUsed })));
}
