/**
 * The fault injector of real processes (src/p2p/link-faults.ts) and its admin endpoint: delays
 * drawn as the scenario says (an exponential tail, not a uniform stand-in), duplicates, message
 * rules by kind, signer, height and round, and a clock skew or drift that only a local chain
 * accepts.
 */
import { describe, expect, it } from 'vitest';
import { encodeProposalMessage } from '../../src/codec/gossip.js';
import { encodeVote, PRECOMMIT, PREVOTE } from '../../src/codec/vote.js';
import { consensusMessageClassifier, startChaosAdmin } from '../../src/node/chaos-admin.js';
import { silentLogger } from '../../src/node/logger.js';
import { topicsFor } from '../../src/node/network.js';
import { drawDelay, LinkFaults } from '../../src/p2p/link-faults.js';
import { freePort } from '../../src/cli/testnet-processes.js';
import { Rng } from '../../src/sim/rng.js';
import type { Clock } from '../../src/runtime/clock.js';

const CHAIN = 'cmt-chaos-test';
const topics = topicsFor(CHAIN);
const address = (b: number): Uint8Array => new Uint8Array(20).fill(b);
const vote = (type: number, round: number, who: number): Uint8Array =>
  encodeVote({ type: type as typeof PREVOTE, height: 7, round, blockHash: new Uint8Array(32).fill(1), validatorAddress: address(who), validatorIndex: 0, signature: new Uint8Array(64) });
const proposal = (round: number): Uint8Array =>
  encodeProposalMessage({ proposal: { height: 7, round, polRound: -1, blockHash: new Uint8Array(32).fill(2), signature: new Uint8Array(64) }, block: new Uint8Array(0) });

describe('LinkFaults', () => {
  it('draws an exponential delay with its tail: mean min + mean, about e^-2 of the draws beyond min + 2·mean', () => {
    const rng = new Rng(5);
    const draws = Array.from({ length: 20_000 }, () => drawDelay({ minDelayMs: 10, maxDelayMs: 600_000, meanMs: 40 }, () => rng.float()));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(46);
    expect(mean).toBeLessThan(52);
    // A uniform range with the same mean ([10, 90]) has no draw beyond 90.
    const tail = draws.filter((d) => d > 90).length / draws.length;
    expect(tail).toBeGreaterThan(0.11);
    expect(tail).toBeLessThan(0.16);
    expect(Math.min(...draws)).toBe(10);
  });

  it('duplicates gossip from a peer with its rule, the copy after its own delay', () => {
    const faults = new LinkFaults(() => 0.5);
    faults.set([{ peer: 'p', drop: 0, duplicate: 1, minDelayMs: 3, maxDelayMs: 3 }]);
    expect(faults.fate('p', topics.vote, vote(PREVOTE, 0, 1), 'p')).toEqual({ lost: false, delayMs: 3, copyDelayMs: 3 });
    expect(faults.fate('q', topics.vote, vote(PREVOTE, 0, 1), 'q')).toEqual({ lost: false, delayMs: 0, copyDelayMs: null });
  });

  it("drops v2's precommits in rounds 0-1 and nothing else; a proposal's signer is its gossip author", () => {
    const faults = new LinkFaults();
    faults.classifier = consensusMessageClassifier(CHAIN);
    const v2 = '02'.repeat(20);
    faults.setMessages([
      { kinds: ['precommit'], signer: [v2], rounds: { min: 0, max: 1 }, drop: 1 },
      { kinds: ['proposal'], signer: ['author'], heights: { min: 7, max: 7 }, drop: 1 },
    ]);
    const lost = (topic: string, data: Uint8Array, origin = 'relay'): boolean => faults.fate('relay', topic, data, origin).lost;
    expect(lost(topics.vote, vote(PRECOMMIT, 0, 2))).toBe(true);
    expect(lost(topics.vote, vote(PRECOMMIT, 1, 2))).toBe(true);
    expect(lost(topics.vote, vote(PRECOMMIT, 2, 2))).toBe(false);
    expect(lost(topics.vote, vote(PREVOTE, 0, 2))).toBe(false);
    expect(lost(topics.vote, vote(PRECOMMIT, 0, 3))).toBe(false);
    expect(lost(topics.proposal, proposal(0), 'author')).toBe(true);
    expect(lost(topics.proposal, proposal(0), 'someone')).toBe(false);
    // Junk and other topics are the handler's business: never touched by message rules.
    expect(lost(topics.vote, new Uint8Array([1, 2, 3]))).toBe(false);
    expect(lost(topics.txs, vote(PRECOMMIT, 0, 2))).toBe(false);
    expect(() => faults.setMessages([{ kinds: ['vote'] }])).toThrow(/kinds/);
    expect(() => faults.setMessages([{ rounds: { min: 2, max: 1 } }])).toThrow(/rounds/);
    expect(() => faults.setMessages([{ colour: 'red' }])).toThrow(/unknown key "colour"/);
    expect(faults.listMessages()).toHaveLength(2);
  });

  it('skews and drifts the clock it wraps; a drift runs timers fast', () => {
    let t = 1_000_000;
    const timers: number[] = [];
    const base: Clock = { now: () => t, after: (ms) => (timers.push(ms), { cancel: () => undefined }) };
    const faults = new LinkFaults();
    const clock = faults.clock(base);
    expect(clock.now()).toBe(t);
    faults.setClock({ skewMs: -300, ppm: 0 }, t);
    expect(clock.now()).toBe(t - 300);
    faults.setClock({ skewMs: -300, ppm: 100_000 }, t);
    t += 10_000;
    expect(clock.now()).toBe(t - 300 + 1_000);
    clock.after(1_100, () => undefined);
    expect(timers).toEqual([1_000]);
  });
});

describe('the chaos admin endpoint, clock and message faults', () => {
  it('moves the clock only on a local chain, and refuses malformed message rules without changing them', async () => {
    for (const [chainId, status] of [['cmt-chaos-x', 200], ['cyber-1', 403], [undefined, 403]] as const) {
      const faults = new LinkFaults();
      const admin = await startChaosAdmin(faults, await freePort(), silentLogger(), chainId ? { chainId } : {});
      try {
        const res = await fetch(`http://127.0.0.1:${admin.port}/clock`, { method: 'PUT', body: JSON.stringify({ skewMs: 500, ppm: -20 }) });
        expect(res.status).toBe(status);
        expect(faults.getClock()).toEqual(status === 200 ? { skewMs: 500, ppm: -20 } : { skewMs: 0, ppm: 0 });
        if (status === 200) {
          expect((await fetch(`http://127.0.0.1:${admin.port}/clock`, { method: 'PUT', body: JSON.stringify({ skewMs: 1.5 }) })).status).toBe(400);
          const url = `http://127.0.0.1:${admin.port}/message-faults`;
          const rule = { kinds: ['prevote'], drop: 1 };
          expect((await fetch(url, { method: 'PUT', body: JSON.stringify({ rules: [rule] }) })).status).toBe(200);
          expect((await fetch(url, { method: 'PUT', body: JSON.stringify({ rules: [{ drop: 2 }] }) })).status).toBe(400);
          expect(await (await fetch(url)).json()).toEqual({ rules: [rule] });
        }
      } finally {
        await admin.close();
      }
    }
  });
});
