/**
 * Consensus events are observation: the driver derives them only while someone listens
 * (the simulator's thousands of runs listen to none), and listening changes nothing consensus
 * does. On the simulator, with lost messages and a crashed proposer (so rounds fail, time out
 * and skip), every node's events keep CometBFT's order.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { CONSENSUS_EVENT_NAMES, ConsensusEventObserver, type ObservedConsensusEvent, type RoundPosition } from '../../src/node/consensus-events.js';
import { NodeParts } from '../../src/node/node-parts.js';
import { Simulator } from '../../src/sim/simulator.js';
import { scenario } from '../support/sim-consensus.js';
import { makeTestHome, startTestNode, waitForHeight } from '../support/nodes.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Four validators; v1 is down from 1 s to 3 s (its rounds time out), and 10% of messages are lost for 4 s. */
const FAULTY = scenario({
  powers: [10, 10, 10, 10],
  durationMs: 6_000,
  faults: [
    { type: 'crash', at: 1_000, node: 'v1', restartAt: 3_000 },
    { type: 'network', at: 500, until: 4_500, behaviour: { drop: 0.1 } },
  ],
});

/** Runs FAULTY; with `listen`, every node's bus has a listener for every consensus event from its start. */
async function run(listen: boolean, seed: number): Promise<{ traceHash: string; heights: number[]; events: ObservedConsensusEvent[][] }> {
  const events: ObservedConsensusEvent[][] = [];
  if (listen) {
    const start = NodeParts.prototype.start;
    vi.spyOn(NodeParts.prototype, 'start').mockImplementation(function (this: NodeParts) {
      const mine: ObservedConsensusEvent[] = [];
      events.push(mine);
      this.events.onConsensus(CONSENSUS_EVENT_NAMES, (e) => mine.push(e));
      return start.call(this);
    });
  }
  const r = await new Simulator({ scenario: FAULTY, seed }).execute();
  if (listen) vi.mocked(NodeParts.prototype.start).mockRestore();
  return { traceHash: r.traceHash, heights: r.decisions.map((d) => d.length), events };
}

const STEP_ORDER = ['RoundStepNewHeight', 'RoundStepNewRound', 'RoundStepPropose', 'RoundStepPrevote', 'RoundStepPrevoteWait', 'RoundStepPrecommit', 'RoundStepPrecommitWait', 'RoundStepCommit'];

describe('consensus events are observation only', () => {
  it('with no listener the driver derives nothing: the simulator runs no observer code', async () => {
    const after = vi.spyOn(ConsensusEventObserver.prototype, 'after');
    const before = vi.spyOn(ConsensusEventObserver.prototype, 'before');
    const r = await new Simulator({ scenario: scenario({ powers: [1, 1, 1, 1], durationMs: 2_000 }), seed: 1 }).execute();
    expect(r.decisions.some((d) => d.length > 3)).toBe(true);
    expect(before.mock.calls.length).toBeGreaterThan(0);
    expect(before.mock.results.every((x) => x.type === 'return' && x.value === null)).toBe(true);
    expect(after).not.toHaveBeenCalled();
  }, 60_000);

  it('every consensus event CometBFT names (Unlock aside) is told on a run whose rounds fail, time out and skip; deriving them reads the core and changes nothing in it', async () => {
    const derive = ConsensusEventObserver.prototype.after;
    let changed = 0;
    let observed = 0;
    vi.spyOn(ConsensusEventObserver.prototype, 'after').mockImplementation(function (this: ConsensusEventObserver, b, core, event, effects, now) {
      const before = structuredClone(core);
      derive.call(this, b, core, event, effects, now);
      observed++;
      if (!isDeepStrictEqual(structuredClone(core), before)) changed++;
    });
    const heard = await run(true, 7);
    expect(observed).toBeGreaterThan(100);
    expect(changed).toBe(0);
    expect(heard.events.length).toBeGreaterThanOrEqual(4);
    const all = heard.events.flat();
    for (const name of ['NewRound', 'NewRoundStep', 'CompleteProposal', 'Vote', 'Polka', 'Lock', 'ValidBlock', 'TimeoutPropose', 'TimeoutWait'] as const) {
      expect(all.some((e) => e.name === name), name).toBe(true);
    }
    expect(all.some((e) => e.name === 'NewRound' && e.round > 0)).toBe(true);
  }, 60_000);

  it('listening changes nothing consensus does (same trace), and each node tells its rounds in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
        const quiet = await run(false, seed);
        const heard = await run(true, seed);
        expect(heard.traceHash).toBe(quiet.traceHash);
        expect(heard.heights).toEqual(quiet.heights);
        for (const events of heard.events) expectInOrder(events);
      }),
      { numRuns: 3 },
    );
  }, 180_000);
});

/** One node's events: heights and rounds never go back, a new height starts at NewHeight, a NewRound opens its propose step, a vote is told once. */
function expectInOrder(events: ObservedConsensusEvent[]): void {
  const steps = events.filter((e): e is ObservedConsensusEvent & RoundPosition => e.name === 'NewRoundStep');
  for (let i = 1; i < steps.length; i++) {
    const [a, b] = [steps[i - 1], steps[i]] as [RoundPosition, RoundPosition];
    expect(b.height > a.height || (b.height === a.height && b.round >= a.round), `${a.height}/${a.round} then ${b.height}/${b.round}`).toBe(true);
    if (b.height > a.height) expect(b.step).toBe('RoundStepNewHeight');
    expect(STEP_ORDER).toContain(b.step);
  }
  events.forEach((e, i) => {
    if (e.name !== 'NewRound') return;
    const next = events.slice(i + 1).find((x) => x.name === 'NewRoundStep');
    if (next && next.name === 'NewRoundStep') expect([next.height, next.round, next.step]).toEqual([e.height, e.round, 'RoundStepPropose']);
  });
  const votes = events.flatMap((e) => (e.name === 'Vote' ? [`${e.vote.height}/${e.vote.round}/${e.vote.type}/${e.vote.validatorIndex}`] : []));
  expect(new Set(votes).size).toBe(votes.length);
}

describe('the node observes consensus only while a subscription wants a consensus event', () => {
  it('a NewBlock subscriber costs no consensus observation; a Vote subscriber turns it on until it leaves', async () => {
    const home = await makeTestHome(1);
    const running = await startTestNode(home.home);
    const ws = new WebSocket(`${running.rpc.url.replace('http', 'ws')}/websocket`);
    try {
      await new Promise((resolve) => ws.once('open', resolve));
      const answers = new Map<number, (m: unknown) => void>();
      const votes: unknown[] = [];
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as { id: number; result?: { query?: string } };
        if (m.result?.query !== undefined) {
          if (m.id === 2) votes.push(m);
        } else answers.get(m.id)?.(m);
      });
      const call = (id: number, method: string, query: string): Promise<unknown> =>
        new Promise((resolve) => {
          answers.set(id, resolve);
          ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: { query } }));
        });
      const after = vi.spyOn(ConsensusEventObserver.prototype, 'after');
      await call(1, 'subscribe', "tm.event='NewBlock'");
      await waitForHeight(running.node, running.node.status().latestBlockHeight + 2);
      expect(running.node.events.observingConsensus).toBe(false);
      expect(after).not.toHaveBeenCalled();

      await call(2, 'subscribe', "tm.event='Vote'");
      expect(running.node.events.observingConsensus).toBe(true);
      expect(running.node.events.wantsConsensus('Vote')).toBe(true);
      expect(running.node.events.wantsConsensus('NewRoundStep')).toBe(false);
      await waitForHeight(running.node, running.node.status().latestBlockHeight + 2);
      expect(after).toHaveBeenCalled();
      await vi.waitFor(() => expect(votes.length).toBeGreaterThan(0));

      await call(3, 'unsubscribe', "tm.event='Vote'");
      expect(running.node.events.observingConsensus).toBe(false);
    } finally {
      ws.terminate();
      await running.stop();
      await home.cleanup();
    }
  }, 60_000);
});
