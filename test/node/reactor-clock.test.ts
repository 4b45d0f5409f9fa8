/**
 * The gossip reactors keep time only through the Clock port: on a ManualClock nothing happens
 * until the test advances it, and then exactly when it is due, with no real waiting. This is
 * what lets the simulator run them on its virtual clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBlock, headerHash, type Block } from '../../src/codec/block.js';
import { BlockAnswer, CatchUpAnswer } from '../../src/codec/gossip.js';
import { encode } from '../../src/codec/schema.js';
import { silentLogger } from '../../src/node/logger.js';
import { protocolsFor, topicsFor } from '../../src/node/network.js';
import { TxGossip } from '../../src/node/tx-gossip.js';
import type { Mempool } from '../../src/mempool/mempool.js';
import { RecordingDriver, ScriptedNetwork, startGossip } from '../support/gossip-harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { blockFor, CHAIN_ID, chainState, LAST_HEIGHT, lastCommitOf } from '../support/signed-consensus.js';
import { commitFor } from '../support/signed-commit.js';

const protocols = protocolsFor(CHAIN_ID);

describe('ManualClock', () => {
  it('fires due timers in the order of their due time, each at its own time, and none early', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 20 }), fc.nat(1000), (delays, step) => {
        const clock = new ManualClock(0);
        const fired: { delay: number; at: number }[] = [];
        delays.forEach((delay) => clock.after(delay, () => fired.push({ delay, at: clock.now() })));
        clock.advance(step);
        const due = delays.filter((d) => d <= step);
        expect(fired.map((f) => f.delay)).toEqual([...due].sort((a, b) => a - b));
        for (const f of fired) expect(f.at).toBe(f.delay);
        expect(clock.now()).toBe(step);
        expect(clock.timers).toBe(delays.length - due.length);
      }),
    );
  });
});

describe('catch-up on the Clock port', () => {
  it('asks a peer exactly when the stall time has passed, without a real sleep', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 10 }), (tickUnits, stallTicks) => {
        const tickMs = tickUnits * 100;
        const stallMs = stallTicks * tickMs;
        const clock = new ManualClock();
        const net = new ScriptedNetwork(['peer-a']);
        net.responders.set('peer-a', () => new Promise<Uint8Array>(() => undefined));
        const gossip = startGossip(net, new RecordingDriver(chainState()), { clock, tickMs, stallMs });
        // The first tick sees the position for the first time: that is progress.
        clock.advance(tickMs);
        // The stall is counted from there; the tick that finds it stallMs old asks.
        clock.advance(stallMs - 1);
        expect(net.requests).toEqual([]);
        clock.advance(1);
        expect(net.requests).toEqual([{ peerId: 'peer-a', protocol: protocols.catchUp }]);
        // One request at a time: the answer is still outstanding.
        clock.advance(10 * stallMs);
        expect(net.requests).toHaveLength(1);
        gossip.stop();
        expect(clock.timers).toBe(0);
      }),
      { numRuns: 30 },
    );
  });

  it('progress restarts the stall count', () => {
    const clock = new ManualClock();
    const net = new ScriptedNetwork(['peer-a']);
    net.responders.set('peer-a', () => new Promise<Uint8Array>(() => undefined));
    const driver = new RecordingDriver(chainState());
    const gossip = startGossip(net, driver, { clock, tickMs: 500, stallMs: 1500 });
    clock.advance(1500);
    driver.consensusState.round = 1;
    clock.advance(1500);
    expect(net.requests).toEqual([]);
    clock.advance(500);
    expect(net.requests).toHaveLength(1);
    gossip.stop();
  });

  it('a peer found ahead hands over to block sync, which applies its verified block', async () => {
    const chain = chainState();
    const block: Block = blockFor(chain, LAST_HEIGHT + 1, { txs: [Uint8Array.of(7)], evidence: [], lastCommit: lastCommitOf(chain) });
    const commit = commitFor(chain, LAST_HEIGHT + 1, headerHash(block.header), { present: [true, true, true, true] });
    const clock = new ManualClock();
    const net = new ScriptedNetwork(['peer-a']);
    net.responders.set('peer-a', async (protocol) =>
      protocol === protocols.catchUp
        ? encode(CatchUpAnswer, { lastHeight: LAST_HEIGHT + 1, proposals: [], votes: [] })
        : encode(BlockAnswer, { lastHeight: LAST_HEIGHT + 1, block: encodeBlock(block), commit }),
    );
    const driver = new RecordingDriver(chain);
    const applied = new Promise<Block>((resolve) => (driver.onApplied = resolve));
    const gossip = startGossip(net, driver, { clock, tickMs: 500, stallMs: 1500 });
    clock.advance(2000);
    expect((await applied).header.height).toBe(LAST_HEIGHT + 1);
    expect(driver.applied).toHaveLength(1);
    expect(net.reports).toEqual([]);
    gossip.stop();
  });
});

describe('transaction batches on the Clock port', () => {
  it('a batch leaves when the flush timer is due, not before', () => {
    const clock = new ManualClock();
    const net = new ScriptedNetwork([]);
    const txs = new TxGossip(net, {} as Mempool, CHAIN_ID, silentLogger(), clock);
    txs.start();
    txs.announce(Uint8Array.of(1));
    txs.announce(Uint8Array.of(2));
    clock.advance(9);
    expect(net.published).toEqual([]);
    clock.advance(1);
    expect(net.published.map((p) => p.topic)).toEqual([topicsFor(CHAIN_ID).txs]);
    txs.stop();
  });
});
