/**
 * Messages for the next height (and, while a block is being applied, for the height about to
 * start) are held until this node gets there and relayed at once. They must be verified like
 * any other first, since the validator set that signs them is known, and what is held must be
 * bounded in bytes per peer and in total, so one peer cannot fill the hold.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBlock } from '../../src/codec/block.js';
import { encodeProposalMessage } from '../../src/codec/gossip.js';
import { encodeVote, PRECOMMIT, PREVOTE, type Vote } from '../../src/codec/vote.js';
import type { ConsensusGossip } from '../../src/node/consensus-gossip.js';
import { RecordingDriver, ScriptedNetwork, startGossip, topicsFor } from '../support/gossip-harness.js';
import { blockFor, CHAIN_ID, chainState, LAST_HEIGHT, lastCommitOf, proposalMessage, signedVote } from '../support/signed-consensus.js';

const chain = chainState();
const topics = topicsFor(CHAIN_ID);
/** The height after the one being decided. */
const NEXT = LAST_HEIGHT + 2;

/** A way to spoil a signed vote that no check before the signature can see. */
const spoilArb = fc.record({ byte: fc.nat({ max: 63 }), bit: fc.integer({ min: 1, max: 255 }), member: fc.nat({ max: 3 }), otherMember: fc.nat({ max: 3 }) });

function spoiled(vote: Vote, spoil: { byte: number; bit: number }): Vote {
  const signature = Uint8Array.from(vote.signature);
  signature[spoil.byte] = (signature[spoil.byte] as number) ^ spoil.bit;
  return { ...vote, signature };
}

describe('future-height messages', () => {
  let gossip: ConsensusGossip | undefined;
  afterEach(() => gossip?.stop());

  it('with a bad signature are rejected, never held or relayed: next height, and the height about to start during a commit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(spoilArb, fc.nat({ max: 30 }), fc.boolean(), fc.boolean(), fc.constantFrom('vote', 'proposal', 'wrongSigner')), { minLength: 1, maxLength: 20 }), async (flood) => {
        const net = new ScriptedNetwork(['flooder']);
        const driver = new RecordingDriver(chain);
        gossip = startGossip(net, driver);
        for (const [spoil, round, prevote, duringCommit, kind] of flood) {
          // During a commit the core still decides the last height; the height about to start is next.
          driver.consensusState.height = duringCommit ? LAST_HEIGHT : LAST_HEIGHT + 1;
          const height = duringCommit ? LAST_HEIGHT + 1 : NEXT;
          let data: Uint8Array;
          let topic = topics.vote;
          if (kind === 'proposal') {
            const block = blockFor(chain, height, { txs: [Uint8Array.of(round)], evidence: [], lastCommit: lastCommitOf(chain) });
            const msg = proposalMessage(chain, block, round);
            const signature = Uint8Array.from(msg.proposal.signature);
            signature[spoil.byte] = (signature[spoil.byte] as number) ^ spoil.bit;
            data = encodeProposalMessage({ proposal: { ...msg.proposal, signature }, block: msg.block });
            topic = topics.proposal;
          } else {
            const vote = signedVote(chain, { height, round, type: prevote ? PREVOTE : PRECOMMIT, member: spoil.member });
            // A genuine signature of another member, under this member's index and address.
            const other = signedVote(chain, { height, round, type: prevote ? PREVOTE : PRECOMMIT, member: spoil.otherMember });
            data = encodeVote(kind === 'wrongSigner' && spoil.member !== spoil.otherMember ? { ...vote, signature: other.signature } : spoiled(vote, spoil));
          }
          expect(await net.deliver(topic, data, 'flooder')).toBe('reject');
        }
        expect(gossip.counters.held).toBe(0);
        gossip.stop();
      }),
      { numRuns: 40 },
    );
  });

  it('with a body that is not the signed block are rejected too', async () => {
    const net = new ScriptedNetwork(['flooder']);
    const driver = new RecordingDriver(chain);
    gossip = startGossip(net, driver);
    const block = blockFor(chain, NEXT, { txs: [Uint8Array.of(1), Uint8Array.of(2)], evidence: [], lastCommit: lastCommitOf(chain) });
    const msg = proposalMessage(chain, block, 0);
    const forged = encodeProposalMessage({ proposal: msg.proposal, block: encodeBlock({ ...block, txs: [Uint8Array.of(2), Uint8Array.of(1)] }) });
    expect(await net.deliver(topics.proposal, forged, 'flooder')).toBe('reject');
    expect(await net.deliver(topics.proposal, encodeProposalMessage(msg), 'honest')).toBe('accept');
    expect(gossip.counters.held).toBe(1);
  });

  it('held bytes stay under the bound per peer and in total, whatever a flood of genuine messages holds', async () => {
    const perPeer = 48 * 1024;
    const total = 128 * 1024;
    const itemArb = fc.record({
      peer: fc.constantFrom('p0', 'p1', 'p2', 'p3', 'p4'),
      proposal: fc.boolean(),
      round: fc.nat({ max: 40 }),
      member: fc.nat({ max: 3 }),
      bytes: fc.nat({ max: 30 * 1024 }),
      fill: fc.nat({ max: 255 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(itemArb, { minLength: 1, maxLength: 40 }), async (flood) => {
        const net = new ScriptedNetwork(['p0', 'p1', 'p2', 'p3', 'p4']);
        const driver = new RecordingDriver(chain);
        gossip = startGossip(net, driver, { maxHeldBytesPerPeer: perPeer, maxHeldBytes: total });
        const held = new Map<string, number>();
        let sum = 0;
        for (const item of flood) {
          let data: Uint8Array;
          let topic = topics.vote;
          if (item.proposal) {
            const block = blockFor(chain, NEXT, { txs: [new Uint8Array(item.bytes).fill(item.fill)], evidence: [], lastCommit: lastCommitOf(chain) });
            data = encodeProposalMessage(proposalMessage(chain, block, item.round));
            topic = topics.proposal;
          } else {
            data = encodeVote(signedVote(chain, { height: NEXT, round: item.round, member: item.member, blockHash: new Uint8Array(32).fill(item.fill) }));
          }
          const verdict = await net.deliver(topic, data, item.peer);
          const mine = held.get(item.peer) ?? 0;
          const fits = mine + data.length <= perPeer && sum + data.length <= total;
          // Held and relayed exactly when it fits; otherwise dropped quietly (not the sender's fault).
          expect(verdict).toBe(fits ? 'accept' : 'ignore');
          if (fits) {
            held.set(item.peer, mine + data.length);
            sum += data.length;
          }
          for (const peer of held.keys()) expect(gossip.heldBytesOf(peer)).toBeLessThanOrEqual(perPeer);
          expect(gossip.heldBytes).toBeLessThanOrEqual(total);
        }
        expect(gossip.heldBytes).toBe(sum);
        // The node gets there: everything held reaches the core, and the hold is empty again.
        driver.chainState = { ...chain, lastBlockHeight: LAST_HEIGHT + 1, validators: chain.nextValidators, nextValidators: chain.nextValidators.copyIncrementProposerPriority(1) };
        driver.consensusState.height = NEXT;
        const before = driver.events.length;
        gossip.onStartHeight();
        expect(gossip.heldBytes).toBe(0);
        expect(driver.events.length - before).toBeGreaterThan(0);
        gossip.stop();
      }),
      { numRuns: 30 },
    );
  });
});
