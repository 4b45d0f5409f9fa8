/**
 * Catch-up carries only what the asker lacks: the request's vote bit arrays name the votes it
 * holds, the answer holds the rest for the rounds that matter, and a peer with nothing new
 * answers with nothing. A stuck asker then asks less and less often, and starts over on progress.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_COMMIT } from '../../src/codec/block.js';
import { BlockAnswer, CatchUpAnswer, CatchUpRequest, MAX_PROPOSALS_PER_ANSWER } from '../../src/codec/gossip.js';
import { decode, encode } from '../../src/codec/schema.js';
import { PRECOMMIT, PREVOTE, type Vote } from '../../src/codec/vote.js';
import { createConsensusState, type ConsensusState } from '../../src/consensus/index.js';
import { ValidatorSet } from '../../src/consensus/validator-set.js';
import { HeightVoteSet } from '../../src/consensus/vote-set.js';
import { heldVoteBits, missingVotes } from '../../src/node/catch-up-votes.js';
import { MAX_BACKOFF_TICKS } from '../../src/node/catch-up.js';
import { MAX_REQUEST_BYTES, protocolsFor } from '../../src/node/network.js';
import { RecordingDriver, ScriptedNetwork, startGossip } from '../support/gossip-harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { CHAIN_ID, chainState, LAST_HEIGHT, signedVote } from '../support/signed-consensus.js';

const chain = chainState();
const height = LAST_HEIGHT + 1;
const ROUNDS = 6;
/** Every vote a test may hold: round × type × member, two block choices (signing is the slow part: done once). */
const pool: Vote[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const type of [PREVOTE, PRECOMMIT] as const) {
    for (let member = 0; member < 4; member++) {
      pool.push(signedVote(chain, { height, round, type, member, blockHash: member % 2 === 0 ? new Uint8Array(32).fill(round + 1) : new Uint8Array(0) }));
    }
  }
}

function stateHolding(votes: readonly Vote[], round: number, lockedRound = -1, validRound = -1): ConsensusState {
  const core = createConsensusState({ chainId: CHAIN_ID, selfAddress: null });
  core.height = height;
  core.round = round;
  core.lockedRound = lockedRound;
  core.validRound = validRound;
  core.votes = new HeightVoteSet(chain.validators);
  for (const vote of votes) core.votes.add(vote);
  return core;
}

const key = (v: Vote): string => `${v.round}/${v.type}/${v.validatorIndex}`;
const subset = fc.array(fc.boolean(), { minLength: pool.length, maxLength: pool.length }).map((keep) => pool.filter((_, i) => keep[i]));
const roundOrNone = fc.integer({ min: -1, max: ROUNDS - 1 });

describe('what a catch-up answer carries', () => {
  it('exactly the votes of the rounds that matter whose signer the asker lacks, and nothing when it lacks none', () => {
    fc.assert(
      fc.property(subset, subset, fc.nat(ROUNDS - 1), fc.nat(ROUNDS - 1), roundOrNone, roundOrNone, (mine, theirs, askerRound, round, locked, valid) => {
        const asker = stateHolding(theirs, askerRound);
        const answerer = stateHolding(mine, round, locked, valid);
        // The request crosses the wire: what the answerer reads is what the asker encoded.
        const request = decode(CatchUpRequest, encode(CatchUpRequest, { height, haveProposals: [], round: askerRound, haveVotes: heldVoteBits(asker) }));
        const answer = missingVotes(answerer, request.round, request.haveVotes, Number.MAX_SAFE_INTEGER);
        const matter = new Set([askerRound, round, locked, valid]);
        const held = new Set(theirs.map(key));
        const expected = mine.filter((v) => matter.has(v.round) && !held.has(key(v)));
        expect(answer.map(key).sort()).toEqual(expected.map(key).sort());
        // Asking again after taking the answer in brings nothing.
        const after = stateHolding([...theirs, ...answer], askerRound);
        expect(missingVotes(answerer, askerRound, heldVoteBits(after), Number.MAX_SAFE_INTEGER)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('stops at the limit it is given', () => {
    const answerer = stateHolding(pool, 0, 3, 5);
    expect(missingVotes(answerer, 2, [], 5)).toHaveLength(5);
    expect(missingVotes(answerer, 2, [], 0)).toEqual([]);
  });

  it('a request of the largest validator set, with every round and proposal it may list, fits a request frame', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => ({ publicKey: Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? i & 0xff : j === 1 ? i >> 8 : 7)), power: 1 }));
    const set = ValidatorSet.fromGenesis(keys);
    const core = createConsensusState({ chainId: CHAIN_ID, selfAddress: null });
    core.height = height;
    core.round = Number.MAX_SAFE_INTEGER - 1;
    core.votes = new HeightVoteSet(set);
    for (let r = 0; r < 20; r++) {
      const v = set.validators[r] as { address: Uint8Array };
      core.votes.add({ type: PREVOTE, height, round: Number.MAX_SAFE_INTEGER - 1 - r, blockHash: new Uint8Array(0), validatorAddress: v.address, validatorIndex: r, signature: new Uint8Array(64) });
    }
    const haveProposals = Array.from({ length: MAX_PROPOSALS_PER_ANSWER }, () => Number.MAX_SAFE_INTEGER);
    const bytes = encode(CatchUpRequest, { height: Number.MAX_SAFE_INTEGER, haveProposals, round: core.round, haveVotes: heldVoteBits(core) });
    expect(heldVoteBits(core).length).toBeGreaterThanOrEqual(1);
    expect(bytes.length).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });
});

describe('a stuck asker', () => {
  const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('asks its peers in turn; once each had nothing new it waits twice as long, up to the cap, and starts over once something new comes', async () => {
    const tickMs = 100;
    const clock = new ManualClock(0);
    const net = new ScriptedNetwork(['peer-a', 'peer-b']);
    const asked: number[] = [];
    let next: Vote[] = [];
    const answer = async (): Promise<Uint8Array> => {
      asked.push(clock.now());
      const votes = next;
      next = [];
      return encode(CatchUpAnswer, { lastHeight: LAST_HEIGHT, proposals: [], votes });
    };
    net.responders.set('peer-a', answer);
    net.responders.set('peer-b', answer);
    const driver = new RecordingDriver(chain);
    driver.consensusState.votes = new HeightVoteSet(chain.validators);
    const gossip = startGossip(net, driver, { clock, tickMs, stallMs: tickMs });
    const run = async (ticks: number): Promise<void> => {
      for (let i = 0; i < ticks; i++) {
        clock.advance(tickMs);
        await flush();
      }
    };
    const gapsOf = (times: number[]): number[] => times.slice(1).map((at, i) => (at - (times[i] as number)) / tickMs);
    await run(40);
    // Two peers: each asked on consecutive ticks, then a wait of 2, 4, 8, 8 ticks.
    expect(gapsOf(asked).slice(0, 8)).toEqual([1, 2, 1, 4, 1, 8, 1, 8].map((g) => Math.min(g, MAX_BACKOFF_TICKS)));
    // A vote it lacked: the wait starts over, and both peers are asked on the next ticks again.
    next = [signedVote(chain, { height, round: 0, type: PREVOTE, member: 2 })];
    const fresh = asked.length;
    for (let tick = 0; tick <= MAX_BACKOFF_TICKS && asked.length === fresh; tick++) await run(1);
    expect(asked.length).toBe(fresh + 1);
    await run(4);
    expect(gapsOf(asked.slice(fresh))).toEqual([1, 1, 2]);
    expect(net.requests.every((r) => r.protocol === protocolsFor(CHAIN_ID).catchUp)).toBe(true);
    gossip.stop();
  });

  it('backs off from peers that claim heights they cannot serve: a claim alone is nothing new', async () => {
    const tickMs = 100;
    const clock = new ManualClock(0);
    const net = new ScriptedNetwork(['peer-a', 'peer-b']);
    const asked: number[] = [];
    // Each says it is far ahead and then serves no block, so nothing arrives.
    const answer = async (protocol: string): Promise<Uint8Array> => {
      // Block sync: "no block here" (an empty answer), which ends the sync quietly.
      if (protocol !== protocolsFor(CHAIN_ID).catchUp) return encode(BlockAnswer, { lastHeight: LAST_HEIGHT + 50, block: new Uint8Array(0), commit: EMPTY_COMMIT });
      asked.push(clock.now());
      return encode(CatchUpAnswer, { lastHeight: LAST_HEIGHT + 50, proposals: [], votes: [] });
    };
    net.responders.set('peer-a', answer);
    net.responders.set('peer-b', answer);
    const driver = new RecordingDriver(chain);
    driver.consensusState.votes = new HeightVoteSet(chain.validators);
    const gossip = startGossip(net, driver, { clock, tickMs, stallMs: tickMs });
    for (let i = 0; i < 40; i++) {
      clock.advance(tickMs);
      await flush();
    }
    const gaps = asked.slice(1).map((at, i) => (at - (asked[i] as number)) / tickMs);
    expect(gaps.slice(0, 6)).toEqual([1, 2, 1, 4, 1, 8].map((g) => Math.min(g, MAX_BACKOFF_TICKS)));
    gossip.stop();
  });
});

