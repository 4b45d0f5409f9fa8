/**
 * A proposal's signature covers the header hash, and the header commits to the body (data,
 * evidence and last-commit hashes). A peer that relays a signed proposal with another body
 * must be refused and scored on every path a body arrives by (gossip, the fetch of a large
 * block, catch-up answers, block sync), and the honest body must still get in afterwards.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBlock, headerHash, type Block } from '../../src/codec/block.js';
import { bytesEqual } from '../../src/codec/bytes.js';
import { BlockAnswer, CatchUpAnswer, encodeProposalMessage } from '../../src/codec/gossip.js';
import { encode } from '../../src/codec/schema.js';
import { COMMIT_FLAG_ABSENT, COMMIT_FLAG_COMMIT, PRECOMMIT, type Commit } from '../../src/codec/vote.js';
import type { ConsensusGossip } from '../../src/node/consensus-gossip.js';
import { checkProposal } from '../../src/node/message-checks.js';
import { protocolsFor } from '../../src/node/network.js';
import { RecordingDriver, ScriptedNetwork, startGossip, topicsFor } from '../support/gossip-harness.js';
import { blockFor, CHAIN_ID, chainState, duplicateVote, LAST_HEIGHT, lastCommitOf, proposalMessage, signedVote } from '../support/signed-consensus.js';

type Body = Pick<Block, 'txs' | 'evidence' | 'lastCommit'>;

const chain = chainState();
const HEIGHT = LAST_HEIGHT + 1;
const core = { height: HEIGHT, round: 0 };

const txArb = fc.uint8Array({ minLength: 1, maxLength: 48 });
const bodyArb: fc.Arbitrary<Body> = fc.record({
  txs: fc.array(txArb, { maxLength: 8 }),
  evidence: fc.array(fc.nat({ max: 5 }), { maxLength: 2 }).map((seeds) => seeds.map((s) => duplicateVote(chain, s))),
  lastCommit: fc.nat({ max: 200 }).map((fill) => lastCommitOf(chain, fill)),
});

const MUTATIONS = ['swapTxs', 'dropTx', 'addTx', 'reorderTxs', 'changeTx', 'addEvidence', 'dropEvidence', 'changeEvidence', 'absentSignature', 'changeSignature', 'changeCommitRound', 'dropCommitSignature'] as const;
type Mutation = (typeof MUTATIONS)[number];

function withCommit(body: Body, change: (c: Commit) => Commit): Body {
  return { ...body, lastCommit: change({ ...body.lastCommit, signatures: body.lastCommit.signatures.map((s) => ({ ...s })) }) };
}

/** `body` changed by `kind`; `i`, `j` and `extra` pick where and what. May return an equal body (then the case is skipped). */
function mutate(body: Body, kind: Mutation, i: number, j: number, extra: Uint8Array): Body {
  const txs = [...body.txs];
  const n = txs.length;
  switch (kind) {
    case 'swapTxs':
      if (n >= 2) [txs[i % n], txs[j % n]] = [txs[j % n] as Uint8Array, txs[i % n] as Uint8Array];
      return { ...body, txs };
    case 'dropTx':
      if (n > 0) txs.splice(i % n, 1);
      return { ...body, txs };
    case 'addTx':
      txs.splice(i % (n + 1), 0, extra);
      return { ...body, txs };
    case 'reorderTxs':
      return { ...body, txs: n > 0 ? [...txs.slice(i % n), ...txs.slice(0, i % n)] : txs };
    case 'changeTx':
      if (n > 0) txs[i % n] = extra;
      return { ...body, txs };
    case 'addEvidence':
      return { ...body, evidence: [...body.evidence, duplicateVote(chain, 10 + (i % 5))] };
    case 'dropEvidence':
      return { ...body, evidence: body.evidence.slice(1) };
    case 'changeEvidence':
      return { ...body, evidence: body.evidence.map((e, k) => (k === 0 ? { ...e, time: e.time + 1 + (i % 1000) } : e)) };
    case 'absentSignature':
      return withCommit(body, (c) => {
        c.signatures[i % c.signatures.length] = { flag: COMMIT_FLAG_ABSENT, validatorAddress: new Uint8Array(0), signature: new Uint8Array(0) };
        return c;
      });
    case 'changeSignature':
      return withCommit(body, (c) => {
        const sig = c.signatures[i % c.signatures.length] as Commit['signatures'][number];
        const signature = Uint8Array.from(sig.signature);
        signature[j % 64] = (signature[j % 64] as number) ^ (1 + ((extra[0] ?? 0) % 255));
        c.signatures[i % c.signatures.length] = { ...sig, flag: COMMIT_FLAG_COMMIT, signature };
        return c;
      });
    case 'changeCommitRound':
      return withCommit(body, (c) => ({ ...c, round: c.round + 1 + (i % 3) }));
    case 'dropCommitSignature':
      return withCommit(body, (c) => ({ ...c, signatures: c.signatures.slice(0, -1) }));
  }
}

const mutationArb = fc.record({ kind: fc.constantFrom(...MUTATIONS), i: fc.nat(), j: fc.nat(), extra: txArb });

describe('checkProposal proves the body belongs to the signed block id', () => {
  it('rejects every mutation of the body (transactions, evidence, last commit) and accepts the honest body after it', () => {
    fc.assert(
      fc.property(bodyArb, mutationArb, fc.nat({ max: 3 }), (body, m, round) => {
        const block = blockFor(chain, HEIGHT, body);
        const bad = { ...block, ...mutate(body, m.kind, m.i, m.j, m.extra) };
        fc.pre(!bytesEqual(encodeBlock(bad), encodeBlock(block)));
        const honest = proposalMessage(chain, block, round);
        const forged = { proposal: honest.proposal, block: encodeBlock(bad) };
        // The header is untouched: the forged block still hashes to the signed id.
        expect(bytesEqual(headerHash(bad.header), honest.proposal.blockHash)).toBe(true);
        const verdict = checkProposal(chain, { ...core, round }, forged);
        expect(verdict.kind).toBe('reject');
        expect(checkProposal(chain, { ...core, round }, honest).kind).toBe('accept');
      }),
      { numRuns: 300 },
    );
  });
});

describe('every path a body arrives by refuses a bad one and takes the honest one later', () => {
  let gossip: ConsensusGossip | undefined;
  afterEach(() => gossip?.stop());
  const topics = topicsFor(CHAIN_ID);
  const protocols = protocolsFor(CHAIN_ID);
  const honestBlock = blockFor(chain, HEIGHT, { txs: [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5)], evidence: [], lastCommit: lastCommitOf(chain) });
  const badBlock: Block = { ...honestBlock, txs: [Uint8Array.of(4, 5), Uint8Array.of(1, 2, 3)] };
  const honest = proposalMessage(chain, honestBlock, 0);
  const forged = { proposal: honest.proposal, block: encodeBlock(badBlock) };

  function proposalsReaching(driver: RecordingDriver): Uint8Array[] {
    return driver.events.flatMap((e) => (e.type === 'proposal' ? [e.block] : []));
  }

  it('gossip: the relay of a rewritten body is rejected (and scored by the validator), the honest copy accepted', async () => {
    const net = new ScriptedNetwork(['byzantine', 'honest']);
    const driver = new RecordingDriver(chain);
    gossip = startGossip(net, driver);
    expect(await net.deliver(topics.proposal, encodeProposalMessage(forged), 'byzantine')).toBe('reject');
    expect(await net.deliver(topics.proposal, encodeProposalMessage(honest), 'honest')).toBe('accept');
    expect(proposalsReaching(driver)).toEqual([honest.block]);
  });

  it('fetch of a large block: a sender serving another body is scored, and the block is fetched from another peer', async () => {
    const net = new ScriptedNetwork(['byzantine', 'honest']);
    net.responders.set('byzantine', async () => forged.block);
    net.responders.set('honest', async () => honest.block);
    const driver = new RecordingDriver(chain);
    gossip = startGossip(net, driver);
    const announced = encodeProposalMessage({ proposal: honest.proposal, block: new Uint8Array(0) });
    // The proposal itself is genuine: it is accepted (and forwarded) once an honest body is had.
    expect(await net.deliver(topics.proposal, announced, 'byzantine')).toBe('accept');
    expect(proposalsReaching(driver)).toEqual([honest.block]);
    expect(net.reports.map((r) => r.peerId)).toEqual(['byzantine']);
  });

  it('catch-up: an answer carrying a rewritten body is refused and scored, and an honest answer gets the block in', async () => {
    const net = new ScriptedNetwork(['byzantine', 'honest']);
    const answer = (block: Uint8Array): Uint8Array => encode(CatchUpAnswer, { lastHeight: LAST_HEIGHT, proposals: [{ proposal: honest.proposal, block }], votes: [] });
    net.responders.set('byzantine', async () => answer(forged.block));
    net.responders.set('honest', async () => answer(honest.block));
    const driver = new RecordingDriver(chain);
    const reached = new Promise<void>((resolve) => (driver.onEvent = (e) => e.type === 'proposal' && resolve()));
    gossip = startGossip(net, driver, { stallMs: 0, tickMs: 5 });
    await reached;
    expect(proposalsReaching(driver)).toEqual([honest.block]);
    expect(net.reports.map((r) => r.peerId)).toEqual(['byzantine']);
  });

  it('block sync: a committed block with another body under a valid commit is refused and scored', async () => {
    const net = new ScriptedNetwork(['byzantine', 'honest']);
    const votes = [0, 1, 2, 3].map((member) => signedVote(chain, { height: HEIGHT, round: 0, type: PRECOMMIT, member, blockHash: honest.proposal.blockHash }));
    const commit: Commit = { height: HEIGHT, round: 0, blockHash: honest.proposal.blockHash, signatures: votes.map((v) => ({ flag: COMMIT_FLAG_COMMIT, validatorAddress: v.validatorAddress, signature: v.signature })) };
    const serve = (block: Uint8Array) => async (protocol: string) =>
      protocol === protocols.catchUp ? encode(CatchUpAnswer, { lastHeight: HEIGHT, proposals: [], votes: [] }) : encode(BlockAnswer, { lastHeight: HEIGHT, block, commit });
    net.responders.set('byzantine', serve(forged.block));
    net.responders.set('honest', serve(honest.block));
    const driver = new RecordingDriver(chain);
    const applied = new Promise<void>((resolve) => {
      const apply = driver.applyCommittedBlock.bind(driver);
      driver.applyCommittedBlock = async (block) => {
        const done = await apply(block);
        resolve();
        return done;
      };
    });
    gossip = startGossip(net, driver, { stallMs: 0, tickMs: 5 });
    await applied;
    expect(driver.applied.map((b) => encodeBlock(b))).toEqual([honest.block]);
    expect(net.reports.map((r) => r.peerId)).toEqual(['byzantine']);
  });
});
