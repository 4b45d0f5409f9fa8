/**
 * Executing a passed proposal at its effective height. The world may have changed since the
 * proposal was checked (the pool spent, other parameters changed), so everything is checked
 * again; a change that no longer applies marks the proposal `failed` and never throws: a
 * throw in EndBlock would halt the chain.
 */
import { CmtError } from '../../codec/errors.js';
import type { ConsensusParams } from '../../codec/params.js';
import { fitUtf8 } from '../../codec/utf8-fit.js';
import type { Overlay } from '../../state/overlay.js';
import { credit } from '../bank/accounts.js';
import { TxError } from '../errors.js';
import { addToPool, readPool } from '../staking/records.js';
import { applyParamChanges, groupsOf } from './param-registry.js';
import { readParamSet, writeParamSet } from './param-state.js';
import type { Proposal } from './records.js';

/** The proposal record's `failure` field holds at most this many UTF-8 bytes. */
const FAILURE_MAX_BYTES = 512;


export type ExecutionResult = { ok: true; consensusParams: ConsensusParams | null } | { ok: false; reason: string };

function apply(state: Overlay, change: Proposal['change']): ConsensusParams | null {
  switch (change.type) {
    case 'params': {
      const next = applyParamChanges(readParamSet(state), change.changes);
      return writeParamSet(state, next, groupsOf(change.changes));
    }
    case 'communitySpend': {
      const pool = readPool(state, 'community');
      if (change.amount > pool) throw new TxError('INVALID_PROPOSAL', `the community pool holds ${pool}, less than the ${change.amount} to pay`);
      addToPool(state, 'community', -change.amount);
      credit(state, change.recipient, change.amount);
      return null;
    }
  }
}

/**
 * Applies the change on a child overlay, merged only on success, so a failure leaves no
 * partial writes. Only the application's own deterministic errors (CmtError) are turned into a
 * failure; anything else is a bug or an I/O fault and must surface.
 */
export function executeChange(state: Overlay, change: Proposal['change']): ExecutionResult {
  const child = state.child();
  try {
    const consensusParams = apply(child, change);
    child.mergeIntoParent();
    return { ok: true, consensusParams };
  } catch (err) {
    // The record's text codec counts bytes; fitUtf8's work is bounded by the limit, not the text.
    if (err instanceof CmtError) return { ok: false, reason: fitUtf8(err.message, FAILURE_MAX_BYTES) };
    throw err;
  }
}
