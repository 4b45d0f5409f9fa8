/** One line per effect, for logs and for the trace hashes of deterministic runs (simulator, tests). */
import { toHex } from '../codec/bytes.js';
import type { ConsensusEffect } from './types.js';

export function describeEffect(effect: ConsensusEffect): string {
  switch (effect.type) {
    case 'scheduleTimeout':
      return `timeout ${effect.step} ${effect.height}/${effect.round} ${effect.durationMs}`;
    case 'buildProposal':
      return `build ${effect.height}/${effect.round}`;
    case 'signProposal':
      return `propose ${effect.height}/${effect.round} pol=${effect.polRound} ${toHex(effect.blockHash)}`;
    case 'signVote':
      return `vote ${effect.voteType} ${effect.height}/${effect.round} ${toHex(effect.blockHash) || 'nil'}`;
    case 'validateProposal':
      return `validate ${effect.height}/${effect.round} ${toHex(effect.blockHash)}`;
    case 'decide':
      return `decide ${effect.height}/${effect.round} ${toHex(effect.blockHash)}`;
    case 'equivocation':
      return `equivocation ${toHex(effect.voteA.validatorAddress)}`;
  }
}
