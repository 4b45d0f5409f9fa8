/** The validator set at any stored height: the newest checkpoint at or below it, advanced one height at a time. */
import { ValidatorSet } from '../consensus/validator-set.js';
import type { BlockStore } from '../store/block-store.js';
import type { ChainState } from './chain-state.js';

/**
 * The set of `height` when the chain state holds it; null for a height that has no set (before
 * the chain or past the next height); undefined when it must come from the store.
 */
function heldSet(state: ChainState, height: number): ValidatorSet | null | undefined {
  const current = state.lastBlockHeight + 1;
  if (height === current) return state.validators;
  if (height === current + 1) return state.nextValidators;
  if (height === current - 1 && state.lastValidators) return state.lastValidators;
  if (height < state.initialHeight || height > current + 1) return null;
  return undefined;
}

export async function validatorsAt(blockStore: BlockStore, state: ChainState, height: number): Promise<ValidatorSet | undefined> {
  const held = heldSet(state, height);
  if (held !== undefined) return held ?? undefined;
  const checkpoint = await blockStore.loadValidatorCheckpoint(height);
  if (!checkpoint) return undefined;
  let set = ValidatorSet.decode(checkpoint.set);
  // One increment per height, exactly as the chain advanced (never several at once: rescaling could differ).
  for (let h = checkpoint.height; h < height; h++) set = set.copyIncrementProposerPriority(1);
  return set;
}

/**
 * Who was in the set at `height`, with their powers and indexes: the newest checkpoint at or below
 * it, as stored. Between checkpoints only proposer priorities change (the order is by power and
 * address), so this answers membership questions with one read; the priorities it carries are
 * the checkpoint's, so never ask it who proposes. Evidence from peers is checked with this:
 * replaying every priority step since the checkpoint would let one message cost seconds.
 */
export async function membersAt(blockStore: BlockStore, state: ChainState, height: number): Promise<ValidatorSet | undefined> {
  const held = heldSet(state, height);
  if (held !== undefined) return held ?? undefined;
  const checkpoint = await blockStore.loadValidatorCheckpoint(height);
  return checkpoint ? ValidatorSet.decode(checkpoint.set) : undefined;
}
