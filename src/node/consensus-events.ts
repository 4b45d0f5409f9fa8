/**
 * CometBFT's consensus events (NewRound, NewRoundStep, CompleteProposal, Vote, Polka, Lock,
 * Relock, Unlock, ValidBlock, TimeoutPropose, TimeoutWait; spec/rpc-events.md), derived from
 * what the driver sees around each step of the pure core: its position and lock before and
 * after, the effects it asked for, and whether it took the vote or proposal it was fed.
 *
 * Observation only: nothing here changes the core or what the driver does with it. The driver
 * calls it only while someone listens to a consensus event (EventBus.observingConsensus), and
 * an event is built only if someone listens to its name, so the simulator's thousands of runs
 * pay nothing.
 */
import { bytesEqual } from '../codec/bytes.js';
import { COMMIT_FLAG_ABSENT, PRECOMMIT, PREVOTE, type Vote } from '../codec/vote.js';
import type { ConsensusState } from '../consensus/state.js';
import type { ConsensusEffect, ConsensusEvent, RoundStep } from '../consensus/types.js';
import type { EventBus } from './event-bus.js';

export const CONSENSUS_EVENT_NAMES = [
  'NewRound',
  'NewRoundStep',
  'CompleteProposal',
  'Vote',
  'Polka',
  'Lock',
  'Unlock',
  'Relock',
  'ValidBlock',
  'TimeoutPropose',
  'TimeoutWait',
] as const;
export type ConsensusEventName = (typeof CONSENSUS_EVENT_NAMES)[number];

/** CometBFT's names of round steps (RoundStepType), which its events carry. */
export type CometRoundStep =
  | 'RoundStepNewHeight'
  | 'RoundStepNewRound'
  | 'RoundStepPropose'
  | 'RoundStepPrevote'
  | 'RoundStepPrevoteWait'
  | 'RoundStepPrecommit'
  | 'RoundStepPrecommitWait'
  | 'RoundStepCommit';

export interface RoundPosition {
  height: number;
  round: number;
  step: CometRoundStep;
}

export type ObservedConsensusEvent =
  | ({ name: 'NewRoundStep' | 'Polka' | 'Lock' | 'Unlock' | 'Relock' | 'ValidBlock' | 'TimeoutPropose' | 'TimeoutWait' } & RoundPosition)
  | ({ name: 'NewRound'; proposer: { address: Uint8Array; index: number } } & RoundPosition)
  | ({ name: 'CompleteProposal'; blockHash: Uint8Array } & RoundPosition)
  /** `time`: when this node counted the vote, by its clock (cmt votes carry no time). */
  | { name: 'Vote'; vote: Vote; time: number };

const COMET_STEP: Record<RoundStep, CometRoundStep> = {
  newHeight: 'RoundStepNewHeight',
  propose: 'RoundStepPropose',
  prevote: 'RoundStepPrevote',
  precommit: 'RoundStepPrecommit',
  decided: 'RoundStepCommit',
};

/** What the observer needs of the core before a step: a few numbers, nothing copied. */
export interface BeforeStep {
  height: number;
  round: number;
  step: RoundStep;
  decided: boolean;
  lockedRound: number;
  lockedValue: Uint8Array | null;
  validRound: number;
  /** For a vote event: the core held it already (so it is not new). */
  voteHeld: boolean;
  /** For a precommit of the previous height: its slot in the last commit was empty. */
  lastCommitSlotEmpty: boolean;
  /** For a proposal event: the core had a proposal for that round already. */
  proposalHeld: boolean;
}

function lastCommitSlotEmpty(core: ConsensusState, vote: Vote): boolean {
  const last = core.lastCommit;
  return last !== null && vote.type === PRECOMMIT && vote.height === last.height && vote.round === last.round && last.signatures[vote.validatorIndex]?.flag === COMMIT_FLAG_ABSENT;
}

/** +2/3 prevotes for one value in `round`. Reads only: `prevotes(round)` would add an empty round to the core's vote set. */
function hasPolka(core: ConsensusState, round: number): boolean {
  const votes = core.votes;
  return votes !== null && votes.roundsWithVotes().includes(round) && votes.prevotes(round).twoThirdsMajority() !== null;
}

function holdsVote(core: ConsensusState, vote: Vote): boolean {
  return vote.height === core.height && core.votes?.holds(vote) === true;
}

export class ConsensusEventObserver {
  /** The position last told as NewRoundStep (kept even while nobody listens to that name). */
  private last: RoundPosition | null = null;

  constructor(private readonly bus: EventBus) {}

  /** Null when nobody listens to any consensus event: the driver then does nothing more. */
  before(core: ConsensusState, event: ConsensusEvent): BeforeStep | null {
    if (!this.bus.observingConsensus) return null;
    const isVote = event.type === 'vote';
    return {
      height: core.height,
      round: core.round,
      step: core.step,
      decided: core.decision !== null,
      lockedRound: core.lockedRound,
      lockedValue: core.lockedValue,
      validRound: core.validRound,
      voteHeld: isVote && holdsVote(core, event.vote),
      lastCommitSlotEmpty: isVote && lastCommitSlotEmpty(core, event.vote),
      proposalHeld: event.type === 'proposal' && event.proposal.height === core.height && core.proposals.has(event.proposal.round),
    };
  }

  /** Publishes what the step did, in the order CometBFT would. `now`: this node's clock, in ms. */
  after(b: BeforeStep, core: ConsensusState, event: ConsensusEvent, effects: readonly ConsensusEffect[], now: number): void {
    this.timeout(b, event);
    if (event.type === 'vote') {
      const vote = event.vote;
      const counted = (!b.voteHeld && holdsVote(core, vote)) || (b.lastCommitSlotEmpty && !lastCommitSlotEmpty(core, vote));
      if (counted) this.publish('Vote', () => ({ name: 'Vote', vote, time: now }));
    }
    if (event.type === 'proposal' && !b.proposalHeld && core.proposals.get(event.proposal.round) === event.proposal) {
      const { proposal } = event;
      this.publish('CompleteProposal', () => ({ name: 'CompleteProposal', height: proposal.height, round: proposal.round, step: COMET_STEP[b.step], blockHash: proposal.blockHash }));
    }
    const sameHeight = core.height === b.height;
    // Polka, Lock, Relock, Unlock, ValidBlock: told as the core enters precommit (as CometBFT's enterPrecommit does).
    let roundEvents = sameHeight ? this.lockChanges(b, core) : [];
    /** `entering`: the core enters precommit in `round` (a Polka, if +2/3 prevoted anything); else only lock changes are told. */
    const flushRoundEvents = (precommitRound: number, entering: boolean): void => {
      const polka = entering && sameHeight && this.bus.wantsConsensus('Polka') && hasPolka(core, precommitRound);
      const step = this.last?.height === core.height && this.last.round === precommitRound ? this.last.step : 'RoundStepPrevote';
      if (polka) this.publish('Polka', () => ({ name: 'Polka', height: core.height, round: precommitRound, step }));
      for (const name of roundEvents) this.publish(name, () => ({ name, height: core.height, round: name === 'ValidBlock' ? core.validRound : precommitRound, step }));
      roundEvents = [];
    };
    let enteredPrecommit = false;
    for (const effect of effects) {
      switch (effect.type) {
        case 'scheduleTimeout':
          if (effect.step === 'newHeight') this.move({ height: effect.height, round: 0, step: 'RoundStepNewHeight' });
          else if (effect.step === 'propose') {
            this.newRound(core, effect.height, effect.round);
            this.move({ height: effect.height, round: effect.round, step: 'RoundStepPropose' });
          } else this.move({ height: effect.height, round: effect.round, step: effect.step === 'prevote' ? 'RoundStepPrevoteWait' : 'RoundStepPrecommitWait' });
          break;
        case 'signVote':
          if (effect.voteType === PRECOMMIT) {
            enteredPrecommit = true;
            flushRoundEvents(effect.round, true);
          }
          this.move({ height: effect.height, round: effect.round, step: effect.voteType === PREVOTE ? 'RoundStepPrevote' : 'RoundStepPrecommit' });
          break;
        case 'decide':
          this.move({ height: effect.height, round: core.round, step: 'RoundStepCommit' });
          break;
        default:
          break;
      }
    }
    // A node that does not vote moves without a signVote effect: its new position is told here.
    const moved = core.height !== b.height || core.round !== b.round || core.step !== b.step;
    if (moved && !this.isAt(core)) {
      if (!enteredPrecommit && core.step === 'precommit' && !(b.step === 'precommit' && b.round === core.round)) flushRoundEvents(core.round, true);
      this.move({ height: core.height, round: core.round, step: COMET_STEP[core.step] });
    }
    if (roundEvents.length > 0) flushRoundEvents(core.round, false);
  }

  private timeout(b: BeforeStep, event: ConsensusEvent): void {
    if (event.type !== 'timeout' || event.height !== b.height || event.round !== b.round || b.decided) return;
    const at = { height: b.height, round: b.round };
    if (event.step === 'propose' && b.step === 'propose') this.publish('TimeoutPropose', () => ({ name: 'TimeoutPropose', ...at, step: 'RoundStepPropose' }));
    else if (event.step === 'prevote' && b.step === 'prevote') this.publish('TimeoutWait', () => ({ name: 'TimeoutWait', ...at, step: 'RoundStepPrevoteWait' }));
    else if (event.step === 'precommit') this.publish('TimeoutWait', () => ({ name: 'TimeoutWait', ...at, step: 'RoundStepPrecommitWait' }));
  }

  private lockChanges(b: BeforeStep, core: ConsensusState): ('Lock' | 'Relock' | 'Unlock' | 'ValidBlock')[] {
    const out: ('Lock' | 'Relock' | 'Unlock' | 'ValidBlock')[] = [];
    if (core.lockedValue !== null && core.lockedRound > b.lockedRound) {
      out.push(b.lockedValue !== null && bytesEqual(b.lockedValue, core.lockedValue) ? 'Relock' : 'Lock');
    } else if (core.lockedValue === null && b.lockedValue !== null) out.push('Unlock');
    if (core.validRound > b.validRound) out.push('ValidBlock');
    return out;
  }

  private newRound(core: ConsensusState, height: number, round: number): void {
    if (core.height !== height || !core.validators) return;
    const validators = core.validators;
    const proposer = core.proposers.get(round) ?? validators.proposerForRound(round);
    this.publish('NewRound', () => ({
      name: 'NewRound',
      height,
      round,
      step: 'RoundStepNewRound',
      proposer: { address: proposer.address, index: validators.indexOf(proposer.address) },
    }));
  }

  /** The core's position is the one last told (a wait step counts as its step). */
  private isAt(core: ConsensusState): boolean {
    const last = this.last;
    if (!last || last.height !== core.height || last.round !== core.round) return false;
    const step = COMET_STEP[core.step];
    return last.step === step || (step === 'RoundStepPrevote' && last.step === 'RoundStepPrevoteWait') || (step === 'RoundStepPrecommit' && last.step === 'RoundStepPrecommitWait');
  }

  private move(position: RoundPosition): void {
    const last = this.last;
    if (last && last.height === position.height && last.round === position.round && last.step === position.step) return;
    this.last = position;
    this.publish('NewRoundStep', () => ({ name: 'NewRoundStep', ...position }));
  }

  private publish(name: ConsensusEventName, make: () => ObservedConsensusEvent): void {
    if (this.bus.wantsConsensus(name)) this.bus.publishConsensus(make());
  }
}
