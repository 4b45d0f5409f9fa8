/** What executing a block produced: per-transaction results, events, validator and parameter updates. */
import { merkleRoot } from './merkle.js';
import { clampedList, clampedText, encode, safeUint, struct, type Infer } from './schema.js';

/**
 * What one transaction's result may hold, in UTF-8 bytes and counts (spec/hostile-input.md,
 * "Contract results and receipts"). Producers keep within them where they make a result; the
 * codec cuts whatever still exceeds them instead of failing, because a decided block's results
 * must always be stored.
 */
export const RESULT_LIMITS = {
  eventTypeBytes: 128,
  attributeKeyBytes: 128,
  attributeValueBytes: 4096,
  attributesPerEvent: 64,
  eventsPerTx: 1024,
  logBytes: 4096,
  codespaceBytes: 64,
} as const;

export const EventAttribute = struct('EventAttribute', {
  key: clampedText(RESULT_LIMITS.attributeKeyBytes),
  value: clampedText(RESULT_LIMITS.attributeValueBytes),
});

export const AppEvent = struct('Event', {
  type: clampedText(RESULT_LIMITS.eventTypeBytes),
  attributes: clampedList(EventAttribute, RESULT_LIMITS.attributesPerEvent),
});
export type AppEvent = Infer<typeof AppEvent>;

export const TxResult = struct('TxResult', {
  /** 0 is success; other codes are listed in spec/errors.md. */
  code: safeUint,
  codespace: clampedText(RESULT_LIMITS.codespaceBytes),
  /** Human-readable; NOT part of the results hash, so wording can improve without a fork. */
  log: clampedText(RESULT_LIMITS.logBytes),
  gasWanted: safeUint,
  gasUsed: safeUint,
  events: clampedList(AppEvent, RESULT_LIMITS.eventsPerTx),
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
  codespace: clampedText(RESULT_LIMITS.codespaceBytes),
  gasWanted: safeUint,
  gasUsed: safeUint,
});

/** The header's lastResultsHash: Merkle root of the deterministic part of each result. */
export function resultsHash(results: readonly TxResult[]): Uint8Array {
  return merkleRoot(results.map((r) => encode(DeterministicTxResult, { code: r.code, codespace: r.codespace, gasWanted: r.gasWanted, gasUsed: r.gasUsed })));
}
